// Regenerates src/lib/openapi.ts from the server's OpenAPI document:
//   npm run gen:api                      (runs `cargo run -q -p cahoot-server -- openapi`)
//   CAHOOT_BIN=../target/debug/cahoot npm run gen:api   (uses a built binary instead)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = process.env.CAHOOT_BIN;
const json = bin
  ? execFileSync(bin, ['openapi'], { encoding: 'utf8' })
  : execFileSync('cargo', ['run', '-q', '-p', 'cahoot-server', '--', 'openapi'], { cwd: path.join(web, '..'), encoding: 'utf8' });
JSON.parse(json); // fail early on anything but JSON

const dir = mkdtempSync(path.join(tmpdir(), 'cahoot-openapi-'));
try {
  const input = path.join(dir, 'openapi.json');
  writeFileSync(input, json);
  execFileSync(
    path.join(web, 'node_modules', '.bin', 'openapi-typescript'),
    [input, '--output', path.join(web, 'src', 'lib', 'openapi.ts')],
    { stdio: 'inherit' },
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
