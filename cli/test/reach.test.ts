// redtail query and tail against a collector that is not there, not a collector, or refuses the
// token; a URL without a scheme; a reader that stops early (EPIPE). Child processes, real servers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { collector, ndjson, post, record } from '../../collector/test/helpers.js';
import { BIN, run } from './redtail.js';

/** A port nothing listens on: one the system gave, then let go of. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

test('--url without a scheme is http://; a collector not running is said in words that say what to do', async () => {
  const c = await collector();
  try {
    await post(c.url, ndjson([record({ request_id: 'here' })]), { 'x-redtail-batch': 'u/1' });
    const bare = await run(['query', '--url', c.url.replace('http://', ''), '--json']);
    assert.equal(bare.code, 0, bare.stderr);
    assert.equal(JSON.parse(bare.stdout).request_id, 'here');
  } finally {
    await c.stop();
  }
  const port = await closedPort();
  const down = await run(['query', '--url', `127.0.0.1:${port}`]);
  assert.equal(down.code, 1);
  assert.equal(down.stderr, `redtail query: cannot reach the collector at http://127.0.0.1:${port}: connection refused (is \`redtail serve\` running, and on that port?)\n`);
});

test('a refused token is met with how to give one; a server that is not a collector is named as such', async () => {
  const token = 'abcdefghijklmnop0123';
  const c = await collector({ tokens: [{ token, scopes: ['read'] }] });
  const dir = mkdtempSync(join(tmpdir(), 'redtail-reach-'));
  try {
    const none = await run(['query', '--url', c.url], { env: { REDTAIL_TOKEN: '' } });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^redtail query: the collector answered 401: .*\(give a token with the read scope: --token TOKEN, --token-file FILE or REDTAIL_TOKEN\)\n$/);
    const audit = await run(['audit', '--url', c.url, '--token', token]);
    assert.equal(audit.code, 1);
    assert.match(audit.stderr, /answered 403: .*\(the token given lacks the admin scope: use one that has it, by --token TOKEN, --token-file FILE or REDTAIL_TOKEN\)/);
    writeFileSync(join(dir, 'token'), `${token}\n`);
    const fromFile = await run(['query', '--url', c.url, '--token-file', join(dir, 'token')]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const tailNone = await run(['tail', '--url', c.url], { env: { REDTAIL_TOKEN: '' } });
    assert.equal(tailNone.code, 1);
    assert.match(tailNone.stderr, /the collector refused: HTTP 401: .*--token-file FILE or REDTAIL_TOKEN\)\n$/);
  } finally {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const web = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<html>a web site</html>');
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  try {
    const q = await run(['query', '--url', url]);
    assert.equal(q.code, 1);
    assert.equal(q.stderr, `redtail query: ${url} is not a redtail collector: it answered HTTP 200 (text/html), not the collector's JSON; is --url right?\n`);
    const t = await run(['tail', '--url', url]);
    assert.equal(t.code, 1);
    assert.match(t.stderr, /is not a redtail collector: it answered HTTP 200 \(text\/html\)/);
  } finally {
    web.close();
  }
});

test('redtail tail against a collector never reached: says it cannot connect, counts down, gives up with exit 1', async () => {
  const port = await closedPort();
  const r = await run(['tail', '--url', `127.0.0.1:${port}`, '--retries', '1']);
  assert.equal(r.code, 1);
  const why = `cannot reach the collector at http://127.0.0.1:${port}: connection refused (is \`redtail serve\` running, and on that port?)`;
  assert.equal(r.stderr, `redtail tail: ${why}; trying again in 1 s (retry 1 of 1)\nredtail tail: ${why}; gave up after 2 tries (--retries N, or --retries forever, to keep trying)\n`);
  assert.doesNotMatch(r.stderr, /disconnected/);
});

/** Runs `redtail args`, reads its stdout until the first line, then closes the pipe as `head -1` does. */
function headOne(args: string[]): Promise<{ code: number | null; signal: string | null; first: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => {
    const onData = (d: Buffer) => {
      out += d;
      if (!out.includes('\n')) return;
      child.stdout.off('data', onData);
      child.stdout.destroy();
    };
    child.stdout.on('data', onData);
    child.on('exit', (code, signal) => resolve({ code, signal, first: out.split('\n')[0]!, stderr }));
  });
}

test('a reader that stops early (| head -1) ends query and tail quietly, with 0', async () => {
  const c = await collector();
  try {
    const many = Array.from({ length: 1000 }, (_, i) => record({ request_id: `r${i}`, path: `/${'x'.repeat(200)}` }));
    await post(c.url, ndjson(many), { 'x-redtail-batch': 'e/1' });
    const q = await headOne(['query', '--url', c.url, '--json', '--limit', '1000']);
    assert.deepEqual({ code: q.code, signal: q.signal, stderr: q.stderr }, { code: 0, signal: null, stderr: '' });
    assert.match(q.first, /^\{"/);
    // The tail's first record arrives; the pipe is closed; the next records find it closed.
    let seq = 2;
    const feed = setInterval(() => void post(c.url, ndjson([record({ request_id: `t${seq}` })]), { 'x-redtail-batch': `e/${seq++}` }), 20);
    try {
      const t = await headOne(['tail', '--url', c.url, '--json']);
      assert.equal(t.code, 0, t.stderr);
      assert.doesNotMatch(t.stderr, /EPIPE|Error/);
    } finally {
      clearInterval(feed);
    }
  } finally {
    await c.stop();
  }
});
