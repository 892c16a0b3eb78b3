// Browser-test harness: starts the real server binary on a free port with a fresh data directory,
// launches Debian's Chromium through playwright-core, and offers small polling helpers.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const resultsDir = path.join(webDir, 'test-results');

/** Host name mapped to 127.0.0.1 inside Chromium: an insecure origin, like a laptop's LAN address. */
export const LAN_HOST = 'classroom.test';

export interface Server {
  port: number;
  /** http://127.0.0.1:PORT — a secure (loopback) origin, used by hosts. */
  url: string;
  /** http://classroom.test:PORT — an insecure origin, used by players. */
  lanUrl: string;
  stop: () => Promise<void>;
}

function serverBinary(): string {
  const bin = process.env.CAHOOT_BIN ?? path.resolve(webDir, '..', 'target', 'debug', 'cahoot');
  if (!existsSync(bin)) {
    throw new Error(`server binary not found at ${bin}: run \`cargo build -p cahoot-server\` or set CAHOOT_BIN`);
  }
  return bin;
}

/** Starts `cahoot serve` with CAHOOT_PORT=0 and waits for `cahoot listening on http://127.0.0.1:PORT`. */
export async function startServer(name: string): Promise<Server> {
  mkdirSync(resultsDir, { recursive: true });
  const bin = serverBinary();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cahoot-e2e-'));
  const log = createWriteStream(path.join(resultsDir, `${name}-server.log`));
  const child: ChildProcess = spawn(bin, ['serve'], {
    env: { ...process.env, CAHOOT_PORT: '0', CAHOOT_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.stderr?.pipe(log, { end: false });

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not report its port within 60 s')), 60_000);
    const lines = createInterface({ input: child.stdout! });
    let found = false;
    lines.on('line', (line) => {
      log.write(line + '\n');
      const m = /cahoot listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (m && !found) {
        found = true;
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!found) reject(new Error(`server exited early (code ${code}, signal ${signal}); see test-results/${name}-server.log`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    lanUrl: `http://${LAN_HOST}:${port}`,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ClusterInstance {
  index: number;
  /** Direct address of the instance, bypassing HAProxy. */
  url: string;
  /** Process id: what the instance reports as `instance` in every WebSocket `welcome`. */
  pid: number;
}

export interface Cluster extends Server {
  instances: ClusterInstance[];
  statsUrl: string;
  /** The cluster's temporary directory with every service's log; removed when the cluster stops. */
  logsDir: string;
}

/** The prefix of the line `cahoot-cluster` prints once every instance is ready; JSON follows it. */
const READY_PREFIX = 'CAHOOT_CLUSTER_READY ';

/** The JSON of the ready line. */
interface ClusterReady {
  url: string;
  stats: string;
  logs: string;
  instances: { index: number; url: string; pid: number | null }[];
}

function clusterBinary(): string {
  const bin = process.env.CAHOOT_CLUSTER_BIN ?? path.resolve(webDir, '..', 'target', 'debug', 'cahoot-cluster');
  if (!existsSync(bin)) {
    throw new Error(
      `cluster binary not found at ${bin}: run \`cargo build -p cahoot-cluster -p cahoot-server\` or set CAHOOT_CLUSTER_BIN`,
    );
  }
  return bin;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts the local cluster (`cahoot-cluster`: PostgreSQL, redis-server, `instances` cahoot instances,
 * HAProxy) on a free public port and waits for its ready line. `stop()` copies the services' logs to
 * test-results/<name>-cluster/ (the cluster deletes its directory), then sends SIGINT and waits; after
 * 30 s it SIGKILLs the cluster's whole process group.
 */
export async function startCluster(name: string, instances = 2): Promise<Cluster> {
  mkdirSync(resultsDir, { recursive: true });
  const bin = clusterBinary();
  const cahootBin = serverBinary();
  const port = await freePort();
  const log = createWriteStream(path.join(resultsDir, `${name}-cluster.log`));
  // Its own process group, so that a cluster that ignores SIGINT can be killed with all its services.
  const child: ChildProcess = spawn(bin, ['--port', String(port), '-n', String(instances), '--cahoot-bin', cahootBin], {
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;

  const banner = await new Promise<{ url: string; stats: string; logs: string; instances: ClusterInstance[] }>(
    (resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the cluster did not come up within 120 s')), 120_000);
      const lines = createInterface({ input: child.stdout! });
      let done = false;
      lines.on('line', (line) => {
        log.write(line + '\n');
        // The one machine-readable line (crates/cahoot-cluster/src/main.rs documents it); the banner
        // before it is for people.
        if (done || !line.startsWith(READY_PREFIX)) return;
        done = true;
        clearTimeout(timer);
        try {
          const ready = JSON.parse(line.slice(READY_PREFIX.length)) as ClusterReady;
          const found = ready.instances.map((i) => ({ index: i.index, url: i.url, pid: i.pid ?? Number.NaN }));
          if (!ready.url || found.length !== instances || found.some((i) => !Number.isInteger(i.pid))) {
            reject(new Error(`unexpected cluster ready line ${line}; see test-results/${name}-cluster.log`));
          } else {
            resolve({ url: ready.url, stats: ready.stats, logs: ready.logs, instances: found });
          }
        } catch (error) {
          reject(new Error(`unreadable cluster ready line ${line}: ${String(error)}`));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!done) reject(new Error(`cahoot-cluster exited early (code ${code}, signal ${signal}); see test-results/${name}-cluster.log`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    },
  ).catch(async (error: unknown) => {
    killGroup();
    await exited;
    throw error;
  });

  const publicPort = Number(new URL(banner.url).port);
  return {
    port: publicPort,
    url: `http://127.0.0.1:${publicPort}`,
    lanUrl: `http://${LAN_HOST}:${publicPort}`,
    instances: banner.instances,
    statsUrl: banner.stats,
    logsDir: banner.logs,
    async stop() {
      if (banner.logs) {
        const keep = path.join(resultsDir, `${name}-cluster`);
        await rm(keep, { recursive: true, force: true });
        mkdirSync(keep, { recursive: true });
        for (const file of await readdir(banner.logs).catch(() => [] as string[])) {
          if (file.endsWith('.log')) await copyFile(path.join(banner.logs, file), path.join(keep, file)).catch(() => undefined);
        }
      }
      if (running()) {
        child.kill('SIGINT');
        const timer = setTimeout(killGroup, 30_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killGroup);
      log.end();
    },
  };
}

/** Every JSON frame a page's WebSockets received, in order, with the time it arrived. */
export interface ReceivedFrame {
  at: number;
  type: string;
  [key: string]: unknown;
}

export function recordFrames(page: Page): ReceivedFrame[] {
  const frames: ReceivedFrame[] = [];
  page.on('websocket', (ws) => {
    ws.on('framereceived', ({ payload }) => {
      try {
        const frame = JSON.parse(String(payload)) as { type?: unknown };
        if (frame && typeof frame.type === 'string') frames.push({ ...frame, at: Date.now(), type: frame.type });
      } catch {
        // not JSON: ignore
      }
    });
  });
  return frames;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--host-resolver-rules=MAP ${LAN_HOST} 127.0.0.1`,
    ],
  });
}

/** A fresh, isolated browser profile (cookies, storage) with a phone-sized or desktop viewport. */
export async function newContext(browser: Browser, baseURL: string, kind: 'phone' | 'desktop'): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    viewport: kind === 'phone' ? { width: 360, height: 740 } : { width: 1280, height: 800 },
  });
  context.setDefaultTimeout(20_000);
  return context;
}

/** Collects page errors so a test can assert the UI threw nothing. */
export function watchErrors(page: Page, label: string, sink: string[]): void {
  page.on('pageerror', (error) => sink.push(`${label}: ${error.message}`));
  page.on('console', (msg) => {
    // Expected browser notes: failed requests the UI handles (4xx answers), sockets dropped on reload,
    // and COOP being ignored on the insecure LAN origin (the server sends it on every response).
    if (msg.type() === 'error' && !/Failed to load resource|WebSocket connection|Cross-Origin-Opener-Policy/.test(msg.text())) {
      sink.push(`${label} console: ${msg.text()}`);
    }
  });
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeout`. */
export async function until<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeout = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function visible(locator: Locator, timeout = 20_000): Promise<Locator> {
  await locator.first().waitFor({ state: 'visible', timeout });
  return locator.first();
}

/** Waits until the locator's text matches and returns the first capture group (or the whole match). */
export async function textMatching(locator: Locator, pattern: RegExp, timeout = 20_000): Promise<string> {
  return until(
    async () => {
      const texts = await locator.allInnerTexts();
      for (const text of texts) {
        const m = pattern.exec(text);
        if (m) return m[1] ?? m[0];
      }
      return undefined;
    },
    `text ${pattern}`,
    timeout,
  );
}

let shotCounter = 0;
let shotGroup = 'e2e';

/** Names this test file's screenshots `<group>-NN-<name>.png` in web/test-results/. */
export function screenshotGroup(group: string): void {
  shotGroup = group;
  shotCounter = 0;
}

export async function shot(page: Page, name: string): Promise<void> {
  shotCounter += 1;
  const file = path.join(resultsDir, `${shotGroup}-${String(shotCounter).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
}
