// Proof by corpus: requests carrying fresh random secrets in every place a request or its echo
// can carry them (corpus.ts) go through `redtail proxy` (the real CLI, body capture on) to an
// upstream that echoes them back (scripts/demo.js) and to a real collector. No secret may be in
// the API's answers or in the bytes of the data folder (blocks decompressed); every look-alike
// must be kept. And the quick start's own banner line stores nothing secret.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { collector as startTestCollector, tempDir, until } from '../../collector/test/helpers.js';
import { corpus, CREDENTIAL_HEADERS } from './corpus.js';
import { spawnUntil, stopped } from './spawn.js';
import { secretsStored } from './storage.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/redtail.js');
const demo = await import(new URL('scripts/demo.js', `file://${ROOT}`).href) as {
  echoServer(): Server;
  curlLine(proxyUrl: string): string;
  DEMO_REQUEST: { path: string; headers: Record<string, string>; body: string };
};

/** Every string in a value, decoded: what a reader of the API's answers sees. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]);
  return [String(v)];
}

test('the corpus through redtail proxy: no secret in the API\'s answers or the data folder, every look-alike kept', async () => {
  const seed = Number(process.env.REDTAIL_CORPUS_SEED ?? (Date.now() % 2 ** 31));
  const { cases, secrets, kept } = corpus(seed);
  const why = `(seed ${seed}: REDTAIL_CORPUS_SEED=${seed} npm test reruns this corpus)`;
  const collector = await startTestCollector();
  const echo = demo.echoServer();
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const work = tempDir();
  const config = join(work.dir, 'filter.json');
  writeFileSync(config, JSON.stringify({
    flush: { interval_ms: 50 },
    capture: {
      request_headers: ['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'referer', 'user-agent', 'content-type', ...CREDENTIAL_HEADERS],
      response_headers: ['set-cookie', 'location', 'x-account', 'content-type'],
      body: { enabled: true, max_bytes: 16384 },
    },
  }));
  const proxy = await spawnUntil([BIN, 'proxy', '--listen', '0', '--admin', '0', '--upstream', `http://127.0.0.1:${(echo.address() as AddressInfo).port}`,
    '--cluster', `redtail-collector=${collector.url}`, '--filter-config', config], /listening on (http:\/\/\S+)/, { stream: 'stderr' });
  try {
    const url = proxy.match[1]!;
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i]!;
      const res = await fetch(`${url}${c.path}`, { method: c.method, headers: { ...c.headers, 'x-request-id': `case-${i}` }, body: c.body, redirect: 'manual' });
      await res.arrayBuffer();
      assert.ok(res.status < 400, `${c.place}: ${res.status}`);
    }
    const answer = await until(async () => {
      const res = await fetch(`${collector.url}/v1/logs?limit=1000&since=1h`);
      const text = await res.text();
      return (JSON.parse(text) as { records: unknown[] }).records.length >= cases.length ? text : undefined;
    }, 'every case stored', { timeoutMs: 15_000 });
    const records = (JSON.parse(answer) as { records: Record<string, unknown>[] }).records;
    const read = strings(records).join('\n');
    const leaks = secrets.filter((s) => answer.includes(s) || read.includes(s));
    const where = leaks.map((s) => {
      const r = records.find((x) => strings(x).join('\n').includes(s));
      return `${s} in ${cases[Number(String(r?.request_id).slice(5))]?.place}: ${JSON.stringify(r).slice(0, 600)}`;
    });
    assert.deepEqual(where, [], `secrets in the API's answers ${why}`);
    assert.deepEqual(kept.filter((k) => !read.includes(k)), [], `look-alikes lost ${why}`);
    await stopped(proxy.child);
    const c = collector;
    await c.close();
    assert.deepEqual(secretsStored(c.dir, secrets), [], `secrets in the data folder ${why}`);
  } finally {
    await stopped(proxy.child);
    echo.close();
    await collector.stop();
    work.remove();
  }
});

test('the quick start\'s banner line stores nothing secret, though the demo upstream echoes it back', async () => {
  const work = tempDir();
  const start = await spawnUntil([join(ROOT, 'scripts/start.js')], /Ctrl-C stops everything/, {
    cwd: work.dir, env: { REDTAIL_PORT: '0', REDTAIL_PROXY_PORT: '0', REDTAIL_UPSTREAM_PORT: '0' }, stream: 'stdout',
  });
  try {
    const banner = start.output();
    const proxyUrl = banner.match(/proxy\s+(http:\/\/\S+)/)![1]!;
    const collectorUrl = banner.match(/collector\s+(http:\/\/\S+)/)![1]!;
    assert.ok(banner.includes(demo.curlLine(proxyUrl)), `the banner shows the demo request:\n${banner}`);
    const { path, headers, body } = demo.DEMO_REQUEST;
    const res = await fetch(`${proxyUrl}${path}`, { method: 'POST', headers, body });
    assert.equal(res.status, 200);
    assert.ok((await res.text()).includes('4111 1111 1111 1111'), 'the upstream echoes the card back');
    const stored = await until(async () => {
      const answer = await (await fetch(`${collectorUrl}/v1/logs?limit=10`)).text();
      return answer.includes('/checkout') ? answer : undefined;
    }, 'the banner request stored', { timeoutMs: 15_000 });
    const secrets = ['4111 1111 1111 1111', '4111111111111111', 'abc123', 'ann@example.com', 'eyJzdWIiOiIxIn0'];
    assert.deepEqual(secrets.filter((s) => stored.includes(s)), [], stored);
    assert.match(stored, /"path":"\/checkout\?token=\[SECRET_PARAM\]"/);
    await stopped(start.child);
    assert.deepEqual(secretsStored(join(work.dir, 'data'), secrets), []);
  } finally {
    await stopped(start.child);
    work.remove();
  }
});
