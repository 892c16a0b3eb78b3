// The player's connection drops at the worst moments (a proxy between page and server, via Playwright's
// WebSocket routing): the UI shows "Reconnecting…", comes back by itself, resends an unacknowledged
// answer with the same answer id, and the answer counts exactly once. A server `reconnect` message makes
// the client reconnect at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, WebSocketRoute } from 'playwright-core';
import { answersOpen, readPin, readReveal, readScore, registerHost } from './flows.ts';
import { launchBrowser, newContext, screenshotGroup, shot, startServer, until, visible, type Server } from './harness.ts';

let server: Server;
let browser: Browser;

before(async () => {
  screenshotGroup('reconnect');
  server = await startServer('reconnect');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

interface Frame {
  type: string;
  answer_id?: string;
  [key: string]: unknown;
}

test('dropped connections: banner, automatic reconnect, answer resent and counted once', { timeout: 120_000 }, async () => {
  const host = await (await newContext(browser, server.url, 'desktop')).newPage();
  await registerHost(host, 'reconnect-host');
  await host.getByRole('button', { name: 'Create sample quiz' }).click();
  await (await visible(host.getByRole('button', { name: /^Host / }))).click();
  const pin = await readPin(host);

  // The player's page talks to the server through this proxy.
  const context = await newContext(browser, server.lanUrl, 'phone');
  const player = await context.newPage();
  let connections = 0;
  let refuse = 0;
  let dropNextAck = false;
  let live: WebSocketRoute | null = null;
  const sent: Frame[] = [];
  const received: Frame[] = [];
  await player.routeWebSocket(/\/ws$/, (ws) => {
    connections += 1;
    if (refuse > 0) {
      refuse -= 1;
      ws.close({ code: 1011, reason: 'refused by test' });
      return;
    }
    live = ws;
    const upstream = ws.connectToServer();
    ws.onMessage((message) => {
      sent.push(JSON.parse(String(message)) as Frame);
      upstream.send(message);
    });
    upstream.onMessage((message) => {
      const frame = JSON.parse(String(message)) as Frame;
      if (frame.type === 'answer_ack' && dropNextAck) {
        // The server accepted the answer but the acknowledgement is lost with the connection.
        dropNextAck = false;
        ws.close({ code: 4000, reason: 'dropped by test' });
        upstream.close();
        return;
      }
      received.push(frame);
      ws.send(message);
    });
    ws.onClose(() => upstream.close());
  });

  await player.goto(`/?pin=${pin}`);
  await player.getByLabel('Nickname').fill('Wobbly');
  await player.getByRole('button', { name: 'Join' }).click();
  await visible(player.getByRole('heading', { name: "You're in! Waiting for the host…" }));
  assert.equal(connections, 1);

  // The server goes away for a few attempts: the banner shows, then the client is back by itself.
  refuse = 3;
  (live as WebSocketRoute | null)?.close({ code: 4001, reason: 'dropped by test' });
  await visible(player.getByRole('status').filter({ hasText: 'Reconnecting…' }));
  await shot(player, 'player-reconnecting');
  await until(() => connections >= 5, 'reconnect attempts after the refusals', 30_000);
  await player.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor({ state: 'hidden' });
  await visible(player.getByRole('heading', { name: "You're in! Waiting for the host…" }));
  assert.ok(received.filter((f) => f.type === 'welcome').length >= 2, 'welcomed again');

  // A `reconnect` message (a draining server) makes the client reconnect at once.
  const before = connections;
  (live as WebSocketRoute | null)?.send(JSON.stringify({ type: 'reconnect', reason: 'draining' }));
  await until(() => connections > before, 'a new connection after `reconnect`');
  await visible(player.getByRole('heading', { name: "You're in! Waiting for the host…" }));

  await host.getByRole('button', { name: 'Start' }).click();
  await answersOpen(player);
  const first = await visible(player.getByRole('main').getByRole('button').first());

  // The answer is accepted but its ack is lost: the client must resend it with the same id after reconnecting.
  dropNextAck = true;
  const beforeAnswer = connections;
  await first.click();
  const result = await readReveal(player);
  const answers = sent.filter((f) => f.type === 'answer');
  assert.ok(answers.length >= 2, `the answer was resent (${answers.length} answer frames)`);
  assert.equal(new Set(answers.map((f) => f.answer_id)).size, 1, 'always with the same answer id');
  assert.ok(connections > beforeAnswer, 'reconnected after the drop');
  await until(
    async () => (await player.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('cahoot.pending.')).every((k) => sessionStorage.getItem(k) === '[]'))),
    'no unacknowledged answers left',
  );
  assert.equal(await readScore(player), result.points, 'the answer counted exactly once');
  await shot(player, 'player-reveal-after-resend');
  await visible(host.getByRole('button', { name: 'Next' }));
  await host.getByRole('button', { name: 'End game' }).click();
  await visible(host.getByRole('heading', { name: /final results$/ }));
  const row = host.getByRole('table', { name: 'Final standings' }).getByRole('row', { name: /Wobbly/ });
  assert.match(await row.innerText(), new RegExp(`\\b${result.points}\\b`));
});
