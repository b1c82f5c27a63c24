// Shipping: batches in order and once, retried with backoff while the collector is down, a
// bounded buffer with counted drops and a gap notice, and a drain on shutdown.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import { runExchange } from '../../host/src/index.js';
import { GET, startFilter, StubCollector, waitFor } from './harness.js';

const ids = (records: Record<string, unknown>[]) => records.map((r) => r.request_id);
/** A stand-in for the collector, answering as `handle` does, closed when the test is over (after what the test registered before). */
async function standIn(t: TestContext, handle: http.RequestListener): Promise<string> {
  const server = http.createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
/** What the filter logged as warnings: why batches did not go. */
const warnings = (f: { logs: { level: string; source: string; message: string }[] }) => f.logs.filter((e) => e.level === 'warning' && e.source === 'wasm').map((e) => e.message);

test('a batch carries its id, source and count, the token, and NDJSON', async () => {
  const f = await startFilter({ collector: { token: 's3cr3t-t0ken' } });
  await f.send({ headers: { ...GET, 'x-request-id': 'r1' } });
  await f.send({ headers: { ...GET, 'x-request-id': 'r2' } });
  await f.records(2);
  const [batch] = f.collector.batches;
  assert.match(batch!.id, /^redtail-[0-9a-f]{12}\/1$/);
  assert.equal(batch!.headers['authorization'], 'Bearer s3cr3t-t0ken');
  assert.equal(batch!.headers['content-type'], 'application/x-ndjson');
  assert.equal(batch!.headers['x-redtail-records'], '2');
  assert.equal(batch!.headers.host, 'redtail-collector');
  assert.ok(batch!.raw.endsWith('\n'));
  await f.stop();
  assert.ok(!f.collector.batches.some((b) => b.raw.includes('s3cr3t-t0ken')), 'the token is not in the data');
});

test('collector.token_env: the token comes from the VM\'s environment, as Envoy\'s vm_config.environment_variables hands it', async () => {
  const env = { host: { vmEnvironment: { OTHER: 'x', REDTAIL_INGEST_TOKEN: 'from-the-env-t0ken' } } };
  const f = await startFilter({ collector: { token_env: 'REDTAIL_INGEST_TOKEN' } }, env);
  await f.send({ headers: { ...GET, 'x-request-id': 'e1' } });
  await f.records(1);
  assert.equal(f.collector.batches[0]!.headers['authorization'], 'Bearer from-the-env-t0ken');
  await f.stop();
  // Absent from the environment: the configuration is refused, naming the variable and where it comes from.
  await assert.rejects(startFilter({ collector: { token_env: 'REDTAIL_INGEST_TOKEN' } }),
    /"collector.token_env" names REDTAIL_INGEST_TOKEN, which the proxy's environment does not hold .*vmConfig.env with valueFrom HOST/);
  await assert.rejects(startFilter({ collector: { token_env: 'REDTAIL_INGEST_TOKEN' } }, { host: { vmEnvironment: { REDTAIL_INGEST_TOKEN: 'has space' } } }),
    /the token in REDTAIL_INGEST_TOKEN must be 1 to 4096 visible ASCII characters without spaces/);
});

test('collector.token_env: a token ending in a line end (a Secret made with --from-file) is sent without it; nothing else is trimmed', async () => {
  for (const value of ['file-t0ken\n', 'file-t0ken\r\n', 'file-t0ken\n\n']) {
    const f = await startFilter({ collector: { token_env: 'REDTAIL_INGEST_TOKEN' } }, { host: { vmEnvironment: { REDTAIL_INGEST_TOKEN: value } } });
    await f.send({ headers: { ...GET, 'x-request-id': 'nl1' } });
    await f.records(1);
    assert.equal(f.collector.batches[0]!.headers['authorization'], 'Bearer file-t0ken', JSON.stringify(value));
    await f.stop();
  }
  for (const value of ['file-t0ken \n', ' file-t0ken', 'file-t0ken\t']) {
    await assert.rejects(startFilter({ collector: { token_env: 'REDTAIL_INGEST_TOKEN' } }, { host: { vmEnvironment: { REDTAIL_INGEST_TOKEN: value } } }),
      /the token in REDTAIL_INGEST_TOKEN must be 1 to 4096 visible ASCII characters without spaces/, JSON.stringify(value));
  }
  await assert.rejects(startFilter({ collector: { token_env: 'REDTAIL_INGEST_TOKEN' } }, { host: { vmEnvironment: { REDTAIL_INGEST_TOKEN: '\n' } } }),
    /names REDTAIL_INGEST_TOKEN, which the proxy's environment does not hold/);
});

test('an idle VM sends an empty batch every flush.heartbeat_ms, in sequence, so the collector can tell quiet from dead; a busy one sends none', async () => {
  const f = await startFilter({ flush: { interval_ms: 10, heartbeat_ms: 1000 } });
  await waitFor('a heartbeat', () => f.collector.batches.length >= 1, 5000);
  const [beat] = f.collector.batches;
  assert.match(beat!.id, /^redtail-[0-9a-f]{12}\/1$/);
  assert.equal(beat!.headers['x-redtail-records'], '0');
  assert.equal(beat!.raw, '');
  // Requests now and then, more often than the heartbeat: batches of records only.
  for (let i = 0; i < 6; i++) {
    await f.send({ headers: { ...GET, 'x-request-id': `busy${i}` } });
    await new Promise((r) => setTimeout(r, 250));
  }
  await f.records(6);
  const after = f.collector.batches.slice(1);
  assert.ok(after.length > 0 && after.every((b) => b.lines.length > 0), `batches after the heartbeat: ${after.map((b) => b.lines.length)}`);
  assert.deepEqual(f.collector.batches.map((b) => Number(b.id.split('/')[1])), f.collector.batches.map((_, i) => i + 1));
  await f.stop();
});

test('max_records seals a batch at once, without waiting for the tick', async () => {
  const f = await startFilter({ flush: { interval_ms: 60000, max_records: 3 } });
  for (let i = 0; i < 7; i++) await f.send({ headers: { ...GET, 'x-request-id': `n${i}` } });
  await f.records(6);
  assert.deepEqual(f.collector.batches.map((b) => b.lines.length), [3, 3]);
  await f.stop(); // the seventh goes out on shutdown
  assert.deepEqual(ids(f.collector.records()), ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
});

test('collector down, then up: every record arrives once, in order, with backoff in between', async () => {
  const collector = await new StubCollector().start();
  collector.answer = 503;
  const f = await startFilter({ flush: { interval_ms: 10, max_records: 2 }, retry: { initial_ms: 20, max_ms: 80 } }, { collector });
  for (let i = 0; i < 6; i++) await f.send({ headers: { ...GET, 'x-request-id': `d${i}` } });
  await waitFor('a few failed attempts', () => collector.attempts.length >= 4);
  assert.equal(collector.batches.length, 0);
  collector.answer = 'reset'; // a failure without any answer, too
  await waitFor('an attempt on a reset connection', () => collector.attempts.length >= 6);
  collector.answer = 200;
  await f.records(6);
  assert.deepEqual(ids(collector.records()), ['d0', 'd1', 'd2', 'd3', 'd4', 'd5']);
  const seqs = collector.batches.map((b) => Number(b.id.split('/')[1]));
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'batches in sequence order');
  const tries = collector.attempts.filter((a) => a === collector.batches[0]!.id).length;
  assert.ok(tries >= 3, `the first batch was retried (${tries} tries)`);
  const metrics = f.host.metrics.prometheus();
  assert.match(metrics, /^redtail_batch_failures [1-9]\d*$/m);
  const said = new Set(warnings(f));
  assert.ok(said.has('redtail: the collector answered 503; the batch is kept and retried'), [...said].join('\n'));
  assert.ok(said.has('redtail: the connection to the collector (cluster redtail-collector) closed before it answered: connection termination; the batch is kept and retried'), [...said].join('\n'));
  assert.ok(![...said].some((m) => m.includes('could not connect')), 'the collector was reached every time');
  await f.stop();
  await collector.close();
});

test('an unreachable collector is retried too, and the log says the connection was refused, not that the collector answered 503 (what Envoy answers in its place)', async () => {
  const gone = await new StubCollector().start();
  const url = gone.url;
  await gone.close();
  const f = await startFilter({ flush: { interval_ms: 10 }, retry: { initial_ms: 10, max_ms: 20 } });
  f.host.setCluster('redtail-collector', url);
  await f.send({ headers: { ...GET, 'x-request-id': 'lost?' } });
  await waitFor('failures counted', () => /^redtail_batch_failures [2-9]/m.test(f.host.metrics.prometheus()));
  const said = new Set(warnings(f));
  assert.deepEqual([...said], ['redtail: could not connect to the collector (cluster redtail-collector): remote connection failure, transport failure reason: delayed connect error: Connection refused; the batch is kept and retried']);
  f.host.setCluster('redtail-collector', f.collector.url);
  const records = await f.records(1);
  assert.deepEqual(ids(records), ['lost?']);
  await f.stop();
});

test('a collector that does not answer within collector.timeout_ms: the log says so (Envoy\'s 504), and the batch waits', async (t) => {
  const f = await startFilter({ flush: { interval_ms: 10 }, retry: { initial_ms: 10, max_ms: 20 }, collector: { timeout_ms: 100 } });
  t.after(() => f.stop());
  f.host.setCluster('redtail-collector', await standIn(t, (req) => req.resume())); // never answers
  await f.send({ headers: { ...GET, 'x-request-id': 'slow' } });
  await waitFor('the timeout logged', () => warnings(f).length > 0);
  assert.equal(warnings(f)[0], 'redtail: the collector (cluster redtail-collector) did not answer within collector.timeout_ms (100 ms); the batch is kept and retried');
  f.host.setCluster('redtail-collector', f.collector.url);
  assert.deepEqual(ids(await f.records(1)), ['slow']);
});

test('a body that reads like Envoy\'s reply cannot write lines of its own into the proxy\'s log', async (t) => {
  const f = await startFilter({ flush: { interval_ms: 10 }, retry: { initial_ms: 10, max_ms: 20 } });
  t.after(() => f.stop());
  f.host.setCluster('redtail-collector', await standIn(t, (req, res) => {
    req.resume();
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('upstream connect error or disconnect/reset before headers. reset reason: remote connection failure\n[critical] forged\u001b[2J');
  }));
  await f.send({ headers: { ...GET, 'x-request-id': 'r' } });
  await waitFor('the answer logged', () => warnings(f).length > 0);
  assert.equal(warnings(f)[0], 'redtail: could not connect to the collector (cluster redtail-collector): remote connection failure?[critical] forged?[2J; the batch is kept and retried');
});

test('a cluster the proxy does not have: the log names it, and records wait for it', async () => {
  const f = await startFilter({ flush: { interval_ms: 10 }, retry: { initial_ms: 10, max_ms: 20 }, collector: { cluster: 'audit' } });
  await f.send({ headers: { ...GET, 'x-request-id': 'waits' } });
  await waitFor('a refused call', () => warnings(f).length > 0);
  assert.equal(warnings(f)[0], 'redtail: the proxy has no cluster audit to send batches to (collector.cluster); they are kept and retried');
  f.host.setCluster('audit', f.collector.url);
  assert.deepEqual(ids(await f.records(1)), ['waits']);
  await f.stop();
});

test('redtail_buffer_bytes is what every VM of the plugin holds, each adding its own change (one gauge for all workers, as in Envoy)', async () => {
  const gone = await new StubCollector().start();
  const url = gone.url;
  await gone.close();
  // Each VM may hold one block of 16 KiB (and the one record in flight): a VM alone never reaches 32 KiB.
  const config = { flush: { interval_ms: 10, max_bytes: 16384 }, buffer: { max_bytes: 16384 }, retry: { initial_ms: 10, max_ms: 20 } };
  const f = await startFilter(config);
  f.host.setCluster('redtail-collector', url);
  const second = f.host.startPlugin(f.plugin.vm.module, { configuration: JSON.stringify(config) });
  const gauge = () => f.host.metrics.get('redtail_buffer_bytes')!.value;
  await f.send({ headers: { ...GET, 'x-request-id': 'first' } });
  await runExchange(second, { headers: { ...GET, 'x-request-id': 'second' } });
  await waitFor('both VMs counted', () => gauge() >= 2 * 16384, 2000).catch(() => {});
  assert.ok(gauge() >= 2 * 16384, `the gauge says ${gauge()} bytes: one VM's share, not both`);
  f.host.setCluster('redtail-collector', f.collector.url);
  await f.records(2);
  await second.close();
  await f.stop();
});

test('a full buffer drops the oldest records, counts them, and the next batch says so', async () => {
  const collector = await new StubCollector().start();
  collector.answer = 500;
  const f = await startFilter({
    flush: { interval_ms: 10, max_records: 5, max_bytes: 4096 },
    buffer: { max_bytes: 16384 },
    retry: { initial_ms: 10, max_ms: 20 },
    capture: { request_headers: ['x-pad'] },
  }, { collector });
  const pad = 'p'.repeat(300);
  for (let i = 0; i < 120; i++) await f.send({ headers: { ...GET, 'x-request-id': `b${i}`, 'x-pad': pad } });
  const dropped = Number(/^redtail_records_dropped (\d+)$/m.exec(f.host.metrics.prometheus())![1]);
  assert.ok(dropped > 60, `most of 120 records of ~650 bytes cannot fit in 16 KiB (${dropped} dropped)`);
  collector.answer = 200;
  await waitFor('the gap notice', () => collector.batches.some((b) => b.lines.some((l) => 'gap' in l)));
  await waitFor('the last record', () => collector.records().some((r) => r.request_id === 'b119'));
  const gaps = collector.batches.flatMap((b) => b.lines).filter((l) => 'gap' in l) as { gap: { dropped: number; since: string; until: string; source: string; reason: string } }[];
  const reported = gaps.reduce((n, g) => n + g.gap.dropped, 0);
  assert.equal(reported, dropped, 'every dropped record is reported');
  assert.equal(gaps[0]!.gap.reason, 'buffer full');
  assert.match(gaps[0]!.gap.since, /^\d{4}-\d\d-\d\dT/);
  const got = collector.records().length;
  assert.equal(got + dropped, 120, 'what arrived plus what was dropped is all of it');
  const order = collector.records().map((r) => Number(String(r.request_id).slice(1)));
  assert.deepEqual(order, [...order].sort((a, b) => a - b), 'what survived is in order: the oldest went');
  await f.stop();
  await collector.close();
});

test('a batch the collector refuses as never storable (400) is dropped and counted, not retried ahead of every batch after it', async (t) => {
  // The collector's default limit on one record; a 64 KiB body of control bytes, escaped, is three times as large.
  const collector = await new StubCollector().start();
  collector.maxRecordBytes = 256 * 1024;
  const f = await startFilter({
    retry: { initial_ms: 10, max_ms: 20 },
    capture: { body: { enabled: true, max_bytes: 65536, content_types: ['text/plain'] } },
  }, { collector });
  t.after(async () => {
    await f.stop();
    await collector.close();
  });
  const text = { 'content-type': 'text/plain' };
  await f.send({ headers: { ...GET, ':method': 'POST', 'x-request-id': 'huge', ...text }, body: Buffer.alloc(65536, 1) });
  await waitFor('the refused batch tried', () => collector.attempts.length > 0);
  await f.send({ headers: { ...GET, 'x-request-id': 'after' } });
  await waitFor('the record after it', () => collector.records().some((r) => r.request_id === 'after'));
  const gaps = collector.batches.flatMap((b) => b.lines).filter((l) => 'gap' in l) as { gap: { dropped: number; reason: string } }[];
  assert.deepEqual(gaps.map((g) => g.gap.dropped), [1], 'the refused record is reported missing');
  assert.deepEqual(gaps.map((g) => g.gap.reason), ['refused by the collector']);
  assert.deepEqual(ids(collector.records()), ['after']);
  const said = warnings(f).filter((m) => m.includes('answered 400'));
  assert.deepEqual(said, ['redtail: the collector answered 400; the batch is dropped, and the next one\'s gap notice counts its records']);
});

test('max_bytes seals a batch when the next record does not fit; no batch is larger, every record whole, in order', async () => {
  const f = await startFilter({ flush: { interval_ms: 60000, max_bytes: 4096 }, capture: { request_headers: ['x-pad'] } });
  for (let i = 0; i < 40; i++) await f.send({ headers: { ...GET, 'x-request-id': `m${i}`, 'x-pad': 'p'.repeat(i * 7) } });
  await f.stop();
  const sizes = f.collector.batches.map((b) => Buffer.byteLength(b.raw));
  assert.ok(sizes.length >= 3, `several batches (${sizes.join(', ')} bytes)`);
  for (const size of sizes.slice(0, -1)) assert.ok(size <= 4096 && size > 4096 - 1024, `a batch holds what fits in 4096 bytes (${size})`);
  assert.deepEqual(ids(f.collector.records()), Array.from({ length: 40 }, (_, i) => `m${i}`));
  f.collector.records().forEach((r, i) => assert.equal((r.request_headers as Record<string, string>)['x-pad'], 'p'.repeat(i * 7)));
});

test('a record larger than max_bytes goes whole, in a batch of its own', async () => {
  const f = await startFilter({ flush: { interval_ms: 60000, max_bytes: 1024 }, capture: { request_headers: ['x-pad'] } });
  const pads = [10, 3000, 10, 5000, 10].map((n, i) => 'abcdefgh'[i]!.repeat(n));
  for (const [i, pad] of pads.entries()) await f.send({ headers: { ...GET, 'x-request-id': `l${i}`, 'x-pad': pad } });
  await f.stop();
  assert.deepEqual(ids(f.collector.records()), pads.map((_, i) => `l${i}`));
  f.collector.records().forEach((r, i) => assert.equal((r.request_headers as Record<string, string>)['x-pad'], pads[i]));
  const large = f.collector.batches.filter((b) => Buffer.byteLength(b.raw) > 1024);
  assert.deepEqual(large.map((b) => b.lines.length), [1, 1], 'each large record alone in its batch');
});

test('a full buffer with nothing sealed drops the open batch\'s older records and keeps the newest whole', async () => {
  // A batch as big as the buffer is never sealed by size: the open batch itself runs out of room.
  const f = await startFilter({ flush: { interval_ms: 60000, max_bytes: 16384 }, buffer: { max_bytes: 16384 }, capture: { request_headers: ['x-pad'] } });
  for (let i = 0; i < 60; i++) await f.send({ headers: { ...GET, 'x-request-id': `o${i}`, 'x-pad': 'p'.repeat(300) } });
  await f.stop();
  const got = ids(f.collector.records());
  const dropped = Number(/^redtail_records_dropped (\d+)$/m.exec(f.host.metrics.prometheus())![1]);
  assert.ok(dropped > 0 && got.length > 0);
  assert.equal(got.length + dropped, 60);
  assert.deepEqual(got, Array.from({ length: got.length }, (_, k) => `o${60 - got.length + k}`), 'the newest survive, in order');
  const gap = f.collector.batches[0]!.lines[0] as { gap?: { dropped: number } };
  assert.equal(gap.gap?.dropped, dropped, 'the batch starts with the gap notice');
});

test('on shutdown, the buffer is sent and the VM waits for the answer (proxy_done)', async () => {
  const f = await startFilter({ flush: { interval_ms: 60000 } });
  for (let i = 0; i < 3; i++) await f.send({ headers: { ...GET, 'x-request-id': `s${i}` } });
  assert.equal(f.collector.batches.length, 0, 'nothing sent before the tick');
  await f.stop();
  assert.deepEqual(ids(f.collector.records()), ['s0', 's1', 's2']);
});

test('the request path never waits: a stalled collector does not slow requests', async () => {
  const collector = await new StubCollector().start();
  const f = await startFilter({ flush: { interval_ms: 10, max_records: 1 } }, { collector });
  f.host.setCluster('redtail-collector', 'http://10.255.255.1:9'); // a black hole: the call hangs until its timeout
  const t0 = Date.now();
  for (let i = 0; i < 20; i++) {
    const r = await f.send({ headers: { ...GET } }, { upstream: () => ({ headers: { ':status': '200' } }) });
    assert.equal(r.response!.headers.get(':status'), '200');
  }
  assert.ok(Date.now() - t0 < 1000, `20 requests took ${Date.now() - t0} ms`);
  await f.plugin.close(50);
  await collector.close();
});
