// A value past its field's bound (the collector's record schema's `max`) is cut by the filter and
// marked, so that no client can make the collector refuse a batch and erase its batchmates: the
// real filter in `redtail proxy` (a child process) shipping to a real collector. The filter's
// bounds (filter/src/capture/fields.ts) are held to the schema's, field by field.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { FIELD, FIELDS } from '../../collector/src/record/schema.js';
import { collector as startTestCollector, tempDir, until } from '../../collector/test/helpers.js';
import { spawnUntil, stopped } from './spawn.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/redtail.js');
/** The source identity, written from the filter's configuration, and a field the filter does not write. */
const NOT_WRITTEN_BY_CAPTURE = ['service', 'namespace', 'workload', 'node', 'upstream_local_address'];

test('the filter\'s bound of every string field is the collector schema\'s max', () => {
  const source = readFileSync(join(ROOT, 'filter/src/capture/fields.ts'), 'utf8');
  const bounds = new Map([...source.matchAll(/text\("(\w+)", (\d+)\)/g)].map((m) => [m[1]!, Number(m[2])]));
  for (const [name, max] of bounds) assert.equal(max, FIELD.get(name)?.max, `filter/src/capture/fields.ts bounds "${name}" at ${max}; record/schema.ts says ${FIELD.get(name)?.max}`);
  const strings = FIELDS.filter((f) => f.type === 'string' && !NOT_WRITTEN_BY_CAPTURE.includes(f.name)).map((f) => f.name);
  assert.deepEqual(strings.filter((n) => !bounds.has(n)), [], 'string fields of the schema without a bound in the filter');
});

/** A request through the proxy with its header's bytes as given (UTF-8: Node's client writes only Latin-1), its answer's status. */
function sendRaw(url: string, id: string, agent: Buffer): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(Buffer.concat([
      Buffer.from(`GET / HTTP/1.1\r\nhost: ${hostname}:${port}\r\nx-request-id: ${id}\r\nconnection: close\r\nuser-agent: `), agent, Buffer.from('\r\n\r\n')])));
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('end', () => resolve(Number(answer.split(' ')[1])));
    socket.on('error', reject);
  });
}

/** A request through the proxy with headers as given (host among them), its body read. */
function send(url: string, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { headers }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode!)); });
    req.on('error', reject);
    req.end();
  });
}

test('over-long values are cut at their bounds and marked TRUNCATED; no batch is refused, every request is stored', async () => {
  const collector = await startTestCollector();
  const app = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const work = tempDir();
  const config = join(work.dir, 'filter.json');
  // A flush interval longer than the requests take: they go in one batch.
  writeFileSync(config, JSON.stringify({ flush: { interval_ms: 1000 }, capture: { request_headers: ['x-long'] } }));
  const proxy = await spawnUntil([BIN, 'proxy', '--listen', '0', '--admin', '0', '--upstream', `http://127.0.0.1:${(app.address() as AddressInfo).port}`,
    '--cluster', `redtail-collector=${collector.url}`, '--filter-config', config], /listening on (http:\/\/\S+)/, { stream: 'stderr' });
  try {
    const url = proxy.match[1]!;
    const host = new URL(url).host;
    // Bytes past 0x7f alone are not UTF-8: each becomes U+FFFD, three bytes written, one character counted.
    const long: { id: string; path?: string; headers: Record<string, string>; field?: string; max?: number }[] = [
      { id: 'r'.repeat(300), headers: {}, field: 'request_id' },
      { id: 'long-agent', headers: { 'user-agent': '\u00e9'.repeat(3000) }, field: 'user_agent' },
      { id: 'long-path', path: `/${'p'.repeat(9000)}`, headers: {}, field: 'path' },
      { id: 'long-authority', headers: { host: `${'a'.repeat(1500)}.example` }, field: 'authority' },
      { id: 'long-xff', headers: { 'x-forwarded-for': '10.0.0.1, '.repeat(150) }, field: 'x_forwarded_for' },
      { id: 'long-header', headers: { 'x-long': 'h'.repeat(10000) } },
    ];
    const plain = Array.from({ length: 15 }, (_, i) => ({ id: `plain-${i}`, headers: {} as Record<string, string>, path: undefined, field: undefined }));
    const all = [...plain.slice(0, 8), ...long, ...plain.slice(8)];
    for (const r of all) assert.equal(await send(url, r.path ?? '/', { host, ...r.headers, 'x-request-id': r.id }), 200);
    // A character of two UTF-16 units (four UTF-8 bytes) that would end past the bound is left out whole.
    assert.equal(await sendRaw(url, 'long-emoji', Buffer.from(`x${'\u{1F600}'.repeat(1100)}`)), 200);
    const records = await until(async () => {
      const answer = await (await fetch(`${collector.url}/v1/logs?limit=1000&since=1h`)).json() as { records: Record<string, unknown>[] };
      return answer.records.length >= all.length + 1 ? answer.records : undefined;
    }, 'every request stored', { timeoutMs: 15_000 });
    assert.equal(records.length, all.length + 1);
    assert.deepEqual(collector.logs.filter((l) => l.event === 'batch_rejected'), []);
    for (const r of long.filter((x) => x.field)) {
      const max = FIELD.get(r.field!)!.max!;
      const stored = records.find((x) => x.request_id === r.id.slice(0, FIELD.get('request_id')!.max!))!;
      assert.ok(stored, `the record of ${r.id.slice(0, 20)}`);
      assert.equal((stored[r.field!] as string).length, max, `${r.field} cut at its bound`);
      assert.deepEqual(stored.redactions, { TRUNCATED: 1 }, `${r.field} marked as cut`);
    }
    const agent = records.find((x) => x.request_id === 'long-agent')!.user_agent as string;
    assert.equal(agent, '\ufffd'.repeat(FIELD.get('user_agent')!.max!));
    const emoji = records.find((x) => x.request_id === 'long-emoji')!;
    assert.equal(emoji.user_agent, `x${'\u{1F600}'.repeat((FIELD.get('user_agent')!.max! - 2) / 2)}`);
    assert.deepEqual(emoji.redactions, { TRUNCATED: 1 });
    const header = records.find((x) => x.request_id === 'long-header')!;
    assert.equal((header.request_headers as Record<string, string>)['x-long'], 'h'.repeat(10000), 'a header has no bound: kept whole');
    for (const p of plain) assert.equal(records.find((x) => x.request_id === p.id)!.redactions, undefined, `${p.id} is not marked`);
  } finally {
    await stopped(proxy.child);
    app.close();
    await collector.stop();
    work.remove();
  }
});
