// The exporters in a collector started as a child process (`redtail serve` with exporters in its
// config file), to loopback receivers: what it stores arrives once and in order, filtered as
// configured; refusals and retries show in /metrics; a receiver down then up loses nothing; and
// a collector killed (kill -9) with a request in flight sends, once restarted, that batch again
// and everything after it: the batch in flight is the only one a receiver may see twice.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exited, ndjson, post, record, spawnRedtail, tempDir, until, WIDE_SKEW_MS } from '../helpers.js';
import { makeCertificates } from '../certificates.js';
import { LokiReceiver } from './loki-receiver.js';
import { OtlpReceiver } from './otlp-receiver.js';
import { type Answer, NdjsonReceiver } from './ndjson-receiver.js';

/** `redtail serve` on the folder `dir`, with these exporters; the same folder again after a kill. */
async function serve(dir: string, exporters: object[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; stderr: string[] }> {
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ retention_days: 3650, limits: { max_clock_skew_ms: WIDE_SKEW_MS }, exporters }));
  return spawnRedtail(['serve', '--port', '0', '--data', join(dir, 'data'), '--config', file], env);
}

let batches = 0;
async function ingest(url: string, from: number, n: number, fields: (i: number) => Record<string, unknown> = () => ({})): Promise<void> {
  const records = Array.from({ length: n }, (_, k) => record({ request_id: `r-${from + k}`, ...fields(from + k) }));
  const res = await post(url, ndjson(records), { 'x-redtail-batch': `test/${++batches}` });
  assert.equal(res.status, 200);
}

const numbered = (from: number, n: number) => Array.from({ length: n }, (_, k) => `r-${from + k}`);
const ids = (r: NdjsonReceiver) => r.accepted.map((x) => x.request_id);

/** One sample of /metrics, or undefined when it is not there. */
async function sample(url: string, line: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${line.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Until /metrics shows `value` for the sample: the worker's counters reach the main thread a moment after they change. */
const reaches = (url: string, line: string, value: number) => until(async () => (await sample(url, line)) === value, `${line} ${value}`);

test('a collector process exports what it stores, once and in order, filtered; a refusal and a retry show in /metrics, and the lag goes to 0', async () => {
  const tmp = tempDir();
  const all = new NdjsonReceiver();
  const errors = new NdjsonReceiver();
  let c: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    all.answers.push({ status: 400, body: 'no such stream' }, { status: 503, headers: { 'retry-after': '1' } });
    c = await serve(tmp.dir, [
      { name: 'all', type: 'ndjson', endpoint: await all.listen(), headers: { authorization: 'env:TEST_EXPORT_AUTH' }, batch: { records: 100, wait_ms: 50 } },
      { name: 'errors', type: 'ndjson', endpoint: await errors.listen(), filter: { status: '5xx' } },
    ], { TEST_EXPORT_AUTH: 'Bearer hush-hush' });
    for (let b = 0; b < 3; b++) await ingest(c.url, b * 200, 200, (i) => ({ response_code: i % 10 === 0 ? 503 : 200 }));
    const url = c.url;
    await reaches(url, 'redtail_export_lag_records{exporter="all"}', 0);
    await reaches(url, 'redtail_export_lag_records{exporter="errors"}', 0);
    assert.deepEqual(ids(all), numbered(100, 500));
    assert.deepEqual(ids(errors), numbered(0, 600).filter((_, i) => i % 10 === 0));
    assert.equal(all.requests[0]!.headers.authorization, 'Bearer hush-hush');
    await reaches(url, 'redtail_export_records_total{exporter="all"}', 500);
    await reaches(url, 'redtail_export_batches_refused_total{exporter="all"}', 1);
    await reaches(url, 'redtail_export_records_refused_total{exporter="all"}', 100);
    await reaches(url, 'redtail_export_retries_total{exporter="all"}', 1);
    await reaches(url, 'redtail_export_records_total{exporter="errors"}', 60);
    await reaches(url, 'redtail_export_lag_seconds{exporter="all"}', 0);
    await reaches(url, 'redtail_export_up{exporter="all"}', 1);
    assert.ok(c.stderr.some((l) => l.includes('"export_refused"') && l.includes('no such stream')));
    assert.ok(!c.stderr.some((l) => l.includes('hush-hush')));
    // The start says which exporters run and where they send, the headers by name only.
    const started = c.stderr.filter((l) => l.includes('"export_started"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(started.map((l) => [l.exporter, l.url, l.headers]), [['all', `http://127.0.0.1:${all.port}`, ['authorization']], ['errors', `http://127.0.0.1:${errors.port}`, []]]);
  } finally {
    c?.child.kill('SIGKILL');
    if (c) await exited(c.child);
    await all.close();
    await errors.close();
    tmp.remove();
  }
});

test('a receiver out of reach, then back: the lag and "down" show in /metrics, then every record arrives once, in order', async () => {
  const tmp = tempDir();
  const receiver = new NdjsonReceiver();
  let c: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    const endpoint = await receiver.listen();
    await receiver.close();
    c = await serve(tmp.dir, [{ name: 'later', type: 'ndjson', endpoint, batch: { wait_ms: 0 }, max_backoff_ms: 200 }]);
    const url = c.url;
    await ingest(url, 0, 100);
    await reaches(url, 'redtail_export_up{exporter="later"}', 0);
    await reaches(url, 'redtail_export_lag_records{exporter="later"}', 100);
    assert.ok((await sample(url, 'redtail_export_lag_seconds{exporter="later"}'))! > 0);
    await ingest(url, 100, 100);
    await receiver.listen(receiver.port);
    await reaches(url, 'redtail_export_lag_records{exporter="later"}', 0);
    assert.deepEqual(ids(receiver), numbered(0, 200));
    await reaches(url, 'redtail_export_up{exporter="later"}', 1);
  } finally {
    c?.child.kill('SIGKILL');
    if (c) await exited(c.child);
    await receiver.close();
    tmp.remove();
  }
});

/** A collector process with `n` records stored and its first request held by the receiver: answer() lets it go. */
async function inFlight(dir: string, receiver: NdjsonReceiver, exporters: object[], n: number) {
  let answer!: (a: Answer) => void;
  receiver.answers.push(new Promise<Answer>((r) => (answer = r)));
  const c = await serve(dir, exporters);
  await ingest(c.url, 0, n);
  await until(() => receiver.requests.length === 1, 'a request in flight');
  return { c, answer };
}

test('kill -9 with a request in flight: restarted, the collector sends that batch again and the rest; nothing is lost, only that batch is seen twice', async () => {
  const tmp = tempDir();
  const receiver = new NdjsonReceiver();
  let c: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    const exporters = [{ name: 'otel', type: 'ndjson', endpoint: await receiver.listen(), batch: { records: 50, wait_ms: 0 } }];
    let answer: (a: Answer) => void;
    ({ c, answer } = await inFlight(tmp.dir, receiver, exporters, 200));
    c.child.kill('SIGKILL');
    await exited(c.child);
    // The receiver took the batch in flight; the collector died before it heard so.
    answer({ status: 200 });
    await until(() => receiver.accepted.length === 50, 'the batch in flight taken');
    c = await serve(tmp.dir, exporters);
    await ingest(c.url, 200, 100);
    const url = c.url;
    await reaches(url, 'redtail_export_lag_records{exporter="otel"}', 0);
    assert.deepEqual(ids(receiver), [...numbered(0, 50), ...numbered(0, 300)]);
  } finally {
    c?.child.kill('SIGKILL');
    if (c) await exited(c.child);
    await receiver.close();
    tmp.remove();
  }
});

test('to a receiver over mutual TLS: the collector shows the client certificate from "cert" and "key", trusts the receiver by "ca", and every record arrives', async () => {
  const tmp = tempDir();
  const certs = makeCertificates();
  const receiver = new NdjsonReceiver({ cert: readFileSync(certs.server.cert), key: readFileSync(certs.server.key), ca: readFileSync(certs.ca), requestCert: true, rejectUnauthorized: true });
  let c: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    c = await serve(tmp.dir, [{ name: 'mtls', type: 'ndjson', endpoint: await receiver.listen(), ca: certs.ca, cert: certs.renewed.cert, key: certs.renewed.key, batch: { wait_ms: 0 } }]);
    await ingest(c.url, 0, 50);
    await until(() => receiver.accepted.length >= 50, 'the records delivered');
    assert.deepEqual(ids(receiver), numbered(0, 50));
    assert.deepEqual([...new Set(receiver.requests.map((r) => r.client))], ['renewed']);
    assert.ok(!c.stderr.join('').includes(readFileSync(certs.renewed.key, 'utf8').split('\n')[1]!), 'the key is never logged');
  } finally {
    c?.child.kill('SIGKILL');
    if (c) await exited(c.child);
    await receiver.close();
    certs.remove();
    tmp.remove();
  }
});

test('redtail serve refuses to start, exit 1, on a cursor file it cannot read, naming the file and what to do', async () => {
  const tmp = tempDir();
  try {
    mkdirSync(join(tmp.dir, 'data', 'export'), { recursive: true });
    writeFileSync(join(tmp.dir, 'data', 'export', 'otel.json'), '{"days": {"2026-11-27": ');
    const refused = serve(tmp.dir, [{ name: 'otel', type: 'ndjson', endpoint: 'http://127.0.0.1:1' }]);
    await assert.rejects(refused, /exited \(1\): redtail serve: .*export\/otel\.json cannot be read .*move it away/);
  } finally {
    tmp.remove();
  }
});

test('to Loki (protobuf, a tenant): kill -9 with a push held, restarted: every record arrives, the held push again, which Loki\'s duplicate rule absorbs', async () => {
  const tmp = tempDir();
  const loki = await new LokiReceiver().start();
  let c: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    const exporters = [{ name: 'loki', type: 'loki', endpoint: loki.url, encoding: 'protobuf', tenant: 'team-a', batch: { records: 50, wait_ms: 0 } }];
    const release = loki.hold();
    c = await serve(tmp.dir, exporters);
    await ingest(c.url, 1000, 120);
    await loki.until((l) => l.pending === 1);
    c.child.kill('SIGKILL');
    await exited(c.child);
    release();
    await loki.until((l) => l.received.length === 1);
    c = await serve(tmp.dir, exporters);
    await ingest(c.url, 1120, 30);
    await reaches(c.url, 'redtail_export_lag_records{exporter="loki"}', 0);
    const entries = loki.entries();
    const lines = entries.map((e) => (JSON.parse(e.line) as { request_id: string }).request_id);
    assert.deepEqual(lines, [...numbered(1000, 50), ...numbered(1000, 150)]);
    assert.equal(new Set(entries.map((e) => `${JSON.stringify(e.labels)} ${e.ns} ${e.line}`)).size, 150);
    assert.ok(loki.received.every((p) => p.encoding === 'protobuf' && p.headers['x-scope-orgid'] === 'team-a'));
  } finally {
    c?.child.kill('SIGKILL');
    if (c) await exited(c.child);
    await loki.close();
    tmp.remove();
  }
});

test('to an OpenTelemetry Collector (OTLP protobuf, gzip): down, then a 503 with Retry-After, then every record once and in order, with the header from the environment', async () => {
  const tmp = tempDir();
  const otlp = await new OtlpReceiver().start();
  let c: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    await otlp.down();
    otlp.answer(503, { 'retry-after': '1' }, { times: 1 });
    c = await serve(tmp.dir, [{ name: 'otel', type: 'otlp', endpoint: otlp.url, encoding: 'protobuf', compression: 'gzip', headers: { authorization: 'env:TEST_OTEL_AUTH' },
      batch: { records: 100, wait_ms: 0 }, max_backoff_ms: 200 }], { TEST_OTEL_AUTH: 'Bearer otel-secret' });
    const url = c.url;
    await ingest(url, 2000, 250);
    await reaches(url, 'redtail_export_up{exporter="otel"}', 0);
    await otlp.up();
    await ingest(url, 2250, 50);
    await reaches(url, 'redtail_export_lag_records{exporter="otel"}', 0);
    const got = otlp.records().map((r) => ((r.record.attributes as { key: string; value: { stringValue?: string } }[]).find((a) => a.key === 'redtail.request_id')!.value.stringValue));
    assert.deepEqual(got, numbered(2000, 300));
    assert.equal(otlp.answered[0], 503);
    assert.ok(otlp.received.every((r) => r.encoding === 'protobuf' && r.headers['content-encoding'] === 'gzip' && r.headers.authorization === 'Bearer otel-secret'));
    assert.ok(!c.stderr.some((l) => l.includes('otel-secret')));
  } finally {
    c?.child.kill('SIGKILL');
    if (c) await exited(c.child);
    await otlp.close();
    tmp.remove();
  }
});

test('stopped (SIGTERM) with a request in flight: the collector waits a moment for the answer, then stops with the cursor before that batch', async () => {
  const tmp = tempDir();
  const receiver = new NdjsonReceiver();
  let c: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    const exporters = [{ name: 'otel', type: 'ndjson', endpoint: await receiver.listen(), batch: { records: 50, wait_ms: 0 } }];
    let answer: (a: Answer) => void;
    ({ c, answer } = await inFlight(tmp.dir, receiver, exporters, 100));
    c.child.kill('SIGTERM');
    assert.equal(await exited(c.child), 0);
    answer({ status: 200 });
    const cursor = JSON.parse(readFileSync(join(tmp.dir, 'data', 'export', 'otel.json'), 'utf8')) as { days: object };
    assert.deepEqual(cursor.days, {});
    c = await serve(tmp.dir, exporters);
    await reaches(c.url, 'redtail_export_lag_records{exporter="otel"}', 0);
    assert.deepEqual(ids(receiver), [...numbered(0, 50), ...numbered(0, 100)]);
  } finally {
    c?.child.kill('SIGKILL');
    if (c) await exited(c.child);
    await receiver.close();
    tmp.remove();
  }
});
