// The exporter against a real receiver on loopback, over a real collector's data folder: records
// arrive once and in order, a receiver down or busy loses nothing, a refusal is counted and
// skipped, batches are cut to the request size, the cursor on disk says what went.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ExporterConfig } from '../../src/export/config.js';
import { Cursor, cursorDir } from '../../src/export/cursor.js';
import type { Encoder } from '../../src/export/encoder.js';
import { Exporter, SERVER_ERROR_TRIES } from '../../src/export/exporter.js';
import { Shelf } from '../../src/export/shelf.js';
import { DEFAULTS } from '../../src/config.js';
import { type Collector, startCollector } from '../../src/http/server.js';
import { collector, ndjson, post, record, tempDir, until, WIDE_SKEW_MS } from '../helpers.js';
import { type Answer, NdjsonReceiver } from './ndjson-receiver.js';
import { ndjsonEncoder } from '../../src/export/ndjson.js';
import { otlpEncoder } from '../../src/export/otlp.js';
import { logRecordsOf, OtlpReceiver } from './otlp-receiver.js';

type Setup = Awaited<ReturnType<typeof setup>>;

async function setup(overrides: Partial<ExporterConfig> = {}, { listen = true, encoder = ndjsonEncoder }: { listen?: boolean; encoder?: Encoder } = {}) {
  const c = await collector();
  const receiver = new NdjsonReceiver();
  let url = await receiver.listen();
  if (!listen) await receiver.close(); // its port, with nothing listening on it
  url = `http://127.0.0.1:${receiver.port}`;
  const config: ExporterConfig = {
    name: 'test', type: 'ndjson', endpoint: url, options: {}, headers: [{ name: 'x-test', value: 'yes' }], filter: {},
    batch: { records: 1000, bytes: 1_000_000, waitMs: 0 }, timeoutMs: 5000, maxBackoffMs: 50, from: 'start', ...overrides,
  };
  const logs: Record<string, unknown>[] = [];
  const shelf = new Shelf(c.dir);
  let seq = 0;
  const runs: { exporter: Exporter; done: Promise<void> }[] = [];
  return {
    c, receiver, config, logs,
    /** An exporter started on the data folder, from its cursor on disk. */
    start(): Exporter {
      const exporter = new Exporter(config, encoder, shelf, Cursor.open(c.dir, config.name), (e) => logs.push(e));
      runs.push({ exporter, done: exporter.run() });
      return exporter;
    },
    async stopExporters(): Promise<void> {
      for (const r of runs.splice(0)) {
        r.exporter.stop();
        await r.done;
      }
    },
    /** Ingest `n` records numbered from `from` (request_id r-<i>), as one batch. */
    async ingest(from: number, n: number, fields: (i: number) => Record<string, unknown> = () => ({})): Promise<void> {
      const records = Array.from({ length: n }, (_, k) => record({ request_id: `r-${from + k}`, ...fields(from + k) }));
      const res = await post(c.url, ndjson(records), { 'x-redtail-batch': `test/${++seq}` });
      assert.equal(res.status, 200, JSON.stringify(res.json));
    },
    async done(): Promise<void> {
      await this.stopExporters();
      shelf.close();
      await receiver.close();
      await c.stop();
    },
  };
}

const ids = (s: Setup) => s.receiver.accepted.map((r) => r.request_id);
const numbered = (from: number, n: number) => Array.from({ length: n }, (_, k) => `r-${from + k}`);

test('records arrive once and in order, in batches of batch.records; a new exporter goes on from the cursor on disk', async () => {
  const s = await setup({ batch: { records: 250, bytes: 1_000_000, waitMs: 0 } });
  try {
    await s.ingest(0, 300);
    await s.ingest(300, 300);
    const e = s.start();
    await until(() => s.receiver.accepted.length >= 600, 'the 600 records delivered');
    assert.deepEqual(ids(s), numbered(0, 600));
    assert.ok(s.receiver.requests.every((r) => r.records.length <= 250 && r.headers['x-test'] === 'yes'));
    await until(() => e.lag().records === 0, 'no lag');
    assert.equal(e.stats.exported, 600);
    await s.stopExporters();
    const onDisk = JSON.parse(readFileSync(join(cursorDir(s.c.dir), 'test.json'), 'utf8')) as { days: Record<string, { block: number; records: number }> };
    assert.deepEqual(Object.keys(onDisk.days), ['2026-11-27']);

    await s.ingest(600, 10);
    s.start();
    await until(() => s.receiver.accepted.length >= 610, 'the 10 new records delivered');
    assert.deepEqual(ids(s), numbered(0, 610));
  } finally {
    await s.done();
  }
});

test('a receiver out of reach, then back: every record arrives once, in order, and retries are counted', async () => {
  const s = await setup({}, { listen: false });
  try {
    await s.ingest(0, 50);
    const e = s.start();
    await until(() => e.stats.retries >= 2 && !e.stats.up, 'tries against a closed port');
    assert.equal(e.lag().records, 50);
    await s.ingest(50, 50);
    await s.receiver.listen(s.receiver.port);
    await until(() => s.receiver.accepted.length >= 100, 'the 100 records delivered');
    assert.deepEqual(ids(s), numbered(0, 100));
    await until(() => e.stats.up && e.lag().records === 0 && e.lag().seconds === 0, 'up, no lag');
    assert.deepEqual(s.logs.filter((l) => /^export_receiver_/.test(String(l.event))).map((l) => [l.event, l.url]),
      [['export_receiver_down', s.config.endpoint], ['export_receiver_back', s.config.endpoint]]);
  } finally {
    await s.done();
  }
});

test('a batch refused for good (400) is counted, logged with the start of the answer, and skipped; the rest flows', async () => {
  const s = await setup({ batch: { records: 100, bytes: 1_000_000, waitMs: 0 } });
  try {
    s.receiver.answers.push({ status: 400, body: `bad\u0000request ${'x'.repeat(1000)}` });
    await s.ingest(0, 300);
    const e = s.start();
    await until(() => s.receiver.accepted.length >= 200, 'the last 200 records delivered');
    assert.deepEqual(ids(s), numbered(100, 200));
    assert.equal(e.stats.batchesRefused, 1);
    assert.equal(e.stats.recordsRefused, 100);
    assert.equal(e.stats.retries, 0);
    const refused = s.logs.find((l) => l.event === 'export_refused')!;
    assert.equal(refused.status, 400);
    assert.deepEqual([refused.first_request_id, refused.last_request_id], ['r-0', 'r-99']);
    assert.match(String(refused.answer), /^bad request x+$/);
    assert.equal(String(refused.answer).length, 200);
  } finally {
    await s.done();
  }
});

test('a receiver failing (500) for a while loses nothing; a record it fails on every time is found by halving and refused alone after SERVER_ERROR_TRIES failures in a row', async () => {
  const s = await setup({ batch: { records: 100, bytes: 1_000_000, waitMs: 0 } });
  try {
    // Loki restarting: out of reach (503s) for many tries, then its ingesters not ready (500s), then it takes the batch.
    for (let i = 0; i < SERVER_ERROR_TRIES; i++) s.receiver.answers.push({ status: 503 });
    for (let i = 0; i < 3; i++) s.receiver.answers.push({ status: 500, body: 'ingester not ready' });
    await s.ingest(0, 100);
    const e = s.start();
    await until(() => s.receiver.accepted.length >= 100, 'the first batch delivered');
    // The receiver counts the batch before the exporter reads its answer.
    await until(() => s.logs.some((l) => l.event === 'export_receiver_back'), 'back said');
    assert.deepEqual(ids(s), numbered(0, 100));
    assert.deepEqual([e.stats.recordsRefused, e.stats.retries, e.stats.up], [0, SERVER_ERROR_TRIES + 3, true]);
    assert.deepEqual(s.logs.filter((l) => /^export_(receiver|refused)/.test(String(l.event))).map((l) => [l.event, l.error, l.tries]),
      [['export_receiver_down', 'HTTP 503', undefined], ['export_receiver_back', undefined, SERVER_ERROR_TRIES + 4]]);
    // A record it fails on every time (r-105): the batch is halved until that record goes alone, and only it is refused.
    s.logs.length = 0;
    s.receiver.judge = (records) => (records.some((r) => r.request_id === 'r-105') ? { status: 500, body: 'cannot take this' } : undefined);
    await s.ingest(100, 8);
    await until(() => s.receiver.accepted.length >= 107, 'the others delivered');
    assert.deepEqual(ids(s), [...numbered(0, 100), ...numbered(100, 5), 'r-106', 'r-107']);
    assert.equal(e.stats.recordsRefused, 1);
    const sizes = s.receiver.requests.slice(SERVER_ERROR_TRIES + 4).map((r) => r.records.length);
    const tries = (n: number) => Array<number>(SERVER_ERROR_TRIES).fill(n);
    // Once r-105 is found and refused, the rest goes at full size again.
    assert.deepEqual(sizes, [...tries(8), 4, ...tries(4), ...tries(2), 1, ...tries(1), 2]);
    // Said once down, once back: the halves' own answers are not logged.
    assert.deepEqual(s.logs.filter((l) => /^export_(receiver|refused)/.test(String(l.event))).map((l) => l.event), ['export_receiver_down', 'export_refused', 'export_receiver_back']);
    const refused = s.logs.filter((l) => l.event === 'export_refused');
    assert.deepEqual(refused.map((l) => [l.status, l.records, l.tries, l.first_request_id, l.answer]), [[500, 1, SERVER_ERROR_TRIES, 'r-105', 'cannot take this']]);
  } finally {
    await s.done();
  }
});

test('503 with Retry-After is tried again after it, and the batch arrives once', async () => {
  const s = await setup();
  try {
    s.receiver.answers.push({ status: 503, headers: { 'retry-after': '0' } }, { status: 429 });
    await s.ingest(0, 20);
    const e = s.start();
    await until(() => s.receiver.accepted.length >= 20, 'the records delivered');
    assert.equal(s.receiver.requests.length, 3);
    assert.equal(e.stats.retries, 2);
    assert.deepEqual(ids(s), numbered(0, 20));
  } finally {
    await s.done();
  }
});

test('only the records passing the filter are sent, and the cursor moves past the others', async () => {
  const s = await setup({ filter: { service: 'checkout', status: '5xx' } });
  try {
    await s.ingest(0, 40, (i) => ({ service: i % 2 ? 'checkout' : 'orders', response_code: i % 4 < 2 ? 503 : 200 }));
    const e = s.start();
    await until(() => e.lag().records === 0 && s.receiver.accepted.length > 0, 'the day gone through');
    assert.deepEqual(ids(s), numbered(0, 40).filter((_, i) => i % 4 === 1));
  } finally {
    await s.done();
  }
});

test('a batch whose request would pass batch.bytes is cut, every record still sent once and in order, each encoded about once', async () => {
  let encodings = 0;
  const counting: Encoder = { ...ndjsonEncoder, encode: (records) => (encodings++, ndjsonEncoder.encode(records)) };
  const s = await setup({ batch: { records: 1000, bytes: 4096, waitMs: 0 } }, { encoder: counting });
  try {
    await s.ingest(0, 100, () => ({ user_agent: 'u'.repeat(200) }));
    s.start();
    await until(() => s.receiver.accepted.length >= 100, 'the records delivered');
    assert.deepEqual(ids(s), numbered(0, 100));
    assert.ok(s.receiver.requests.length > 1);
    for (const r of s.receiver.requests) assert.ok(r.body.length <= 4096, `a request of ${r.body.length} bytes`);
    // The size found once is the next request's first try: not every request found by halving again.
    assert.ok(encodings <= s.receiver.requests.length + 2, `${encodings} encodings for ${s.receiver.requests.length} requests`);
  } finally {
    await s.done();
  }
});

test('with gzip, batch.bytes holds the body before compression; after a large record, requests grow back to what fits', async () => {
  const s = await setup({ type: 'otlp', batch: { records: 1000, bytes: 4096, waitMs: 0 } }, { encoder: otlpEncoder({ encoding: 'json', compression: 'gzip' }) });
  const otlp = await new OtlpReceiver().start();
  const shelf = new Shelf(s.c.dir);
  try {
    await s.ingest(0, 30);
    await s.ingest(30, 3, () => ({ user_agent: 'u'.repeat(2000) }));
    await s.ingest(33, 30);
    const e = new Exporter({ ...s.config, endpoint: otlp.url, options: { encoding: 'json', compression: 'gzip' } }, otlpEncoder({ encoding: 'json', compression: 'gzip' }), shelf, Cursor.open(s.c.dir, 'test'), () => {});
    const running = e.run();
    await otlp.until((o) => o.records().length >= 63);
    e.stop();
    await running;
    const idOf = (r: Record<string, unknown>) => (r.attributes as { key: string; value: { stringValue?: string } }[]).find((a) => a.key === 'redtail.request_id')?.value.stringValue;
    assert.deepEqual(otlp.records().map((r) => idOf(r.record as Record<string, unknown>)), numbered(0, 63));
    const perRequest = otlp.received.map((r) => logRecordsOf(r.request).length);
    for (const [i, r] of otlp.received.entries()) assert.ok(r.size <= 4096 || perRequest[i] === 1, `request ${i}: ${r.size} bytes before gzip, ${perRequest[i]} records`);
    // The small record after the large ones goes with others again, not alone as the large one did.
    const after = otlp.received.find((r) => logRecordsOf(r.request).some((x) => idOf(x.record as Record<string, unknown>) === 'r-33'))!;
    assert.ok(logRecordsOf(after.request).length > 1, `records per request: ${perRequest.join(' ')}`);
  } finally {
    shelf.close();
    await otlp.close();
    await s.done();
  }
});

test('records of an earlier day stored late are sent too; a shard removed by retention leaves the cursor', async () => {
  const s = await setup();
  try {
    await s.ingest(0, 10);
    const e = s.start();
    await until(() => s.receiver.accepted.length >= 10, 'the first day delivered');
    await s.ingest(10, 10, () => ({ start_time: '2026-11-26T10:00:00.000Z' }));
    await until(() => s.receiver.accepted.length >= 20, 'the late records delivered');
    assert.deepEqual(ids(s), numbered(0, 20));
    await until(() => e.lag().records === 0, 'no lag');
    s.c.store.prune('2026-11-27');
    await s.ingest(20, 1);
    await until(() => s.receiver.accepted.length >= 21, 'the next record delivered');
    await s.stopExporters();
    const onDisk = JSON.parse(readFileSync(join(cursorDir(s.c.dir), 'test.json'), 'utf8')) as { days: object };
    assert.deepEqual(Object.keys(onDisk.days), ['2026-11-27']);
  } finally {
    await s.done();
  }
});

test('a new exporter with from "now" sends only what is stored after it started', async () => {
  const s = await setup({ from: 'now' });
  try {
    await s.ingest(0, 10);
    const e = s.start();
    await s.ingest(10, 5);
    await until(() => s.receiver.accepted.length >= 5 && e.lag().records === 0, 'the new records delivered');
    assert.deepEqual(ids(s), numbered(10, 5));
  } finally {
    await s.done();
  }
});

test('a cursor past its shard\'s last block (the shard made again) starts that day over', async () => {
  const s = await setup();
  try {
    await s.ingest(0, 10);
    const cursor = Cursor.open(s.c.dir, 'test');
    cursor.days.set('2026-11-27', { block: 99, records: 0 });
    cursor.save();
    s.start();
    await until(() => s.receiver.accepted.length >= 10, 'the day delivered');
    assert.deepEqual(ids(s), numbered(0, 10));
    assert.ok(s.logs.some((l) => l.event === 'export_cursor_reset'));
  } finally {
    await s.done();
  }
});

test('stopped with a request in flight, the exporter waits for its answer and moves the cursor only if it was accepted', async () => {
  const s = await setup();
  try {
    let answer!: (a: Answer) => void;
    s.receiver.answers.push(new Promise<Answer>((r) => (answer = r)));
    await s.ingest(0, 10);
    s.start();
    await until(() => s.receiver.requests.length === 1, 'the request in flight');
    const stopping = s.stopExporters();
    answer({ status: 200 });
    await stopping;
    assert.deepEqual(Cursor.open(s.c.dir, 'test').position('2026-11-27'), { block: 2, records: 0, batch: 'test/1' });

    // Stopped while the receiver is busy: the cursor stays, the records go next time.
    await s.ingest(10, 5);
    s.receiver.answers.push({ status: 503 }, { status: 503 }, { status: 503 });
    s.start();
    await until(() => s.receiver.requests.length >= 2, 'a refusal to try again');
    await s.stopExporters();
    assert.deepEqual(Cursor.open(s.c.dir, 'test').position('2026-11-27'), { block: 2, records: 0, batch: 'test/1' });
  } finally {
    await s.done();
  }
});

test('a shard file that cannot be opened keeps its place in the cursor, for when it is mended', async () => {
  const s = await setup();
  try {
    writeFileSync(join(s.c.dir, 'redtail-2026-11-20.db'), 'not a database');
    const cursor = Cursor.open(s.c.dir, 'test');
    cursor.days.set('2026-11-20', { block: 7, records: 0 });
    cursor.save();
    await s.ingest(0, 10);
    s.start();
    await until(() => s.receiver.accepted.length >= 10, 'the readable day delivered');
    await s.stopExporters();
    assert.deepEqual(Cursor.open(s.c.dir, 'test').position('2026-11-20'), { block: 7, records: 0 });
  } finally {
    await s.done();
  }
});

test('a batch the receiver finds too large (413) is sent again in halves, until each is taken or one record is refused', async () => {
  const s = await setup({ batch: { records: 8, bytes: 1_000_000, waitMs: 0 } });
  try {
    s.receiver.answers.push({ status: 413 }, { status: 413 });
    await s.ingest(0, 8);
    const e = s.start();
    await until(() => s.receiver.accepted.length >= 8, 'the records delivered');
    // The rest of the batch goes in requests of the size last taken.
    assert.deepEqual(s.receiver.requests.map((r) => r.records.length), [8, 4, 2, 2, 2, 2]);
    assert.deepEqual(ids(s), numbered(0, 8));
    assert.equal(e.stats.batchesRefused, 0);
  } finally {
    await s.done();
  }
});

test('a record the format cannot encode is found, counted as refused and skipped; the records around it go', async () => {
  // A format with a bug that one record's values reach.
  const picky: Encoder = {
    encode: (records) => {
      if (records.some((r) => r.request_id === 'r-5')) throw new Error('cannot encode r-5');
      return ndjsonEncoder.encode(records);
    },
  };
  const s = await setup({}, { encoder: picky });
  try {
    await s.ingest(0, 12);
    const e = s.start();
    await until(() => s.receiver.accepted.length >= 11, 'the other records delivered');
    assert.deepEqual(ids(s), numbered(0, 12).filter((id) => id !== 'r-5'));
    assert.equal(e.stats.recordsRefused, 1);
    assert.ok(s.logs.some((l) => l.event === 'export_unencodable' && l.request_id === 'r-5'));
  } finally {
    await s.done();
  }
});

test('credentials refused (401), then mended: the records wait, nothing is skipped; the log says where it sent and that it is back', async () => {
  const s = await setup({ batch: { records: 100, bytes: 1_000_000, waitMs: 0 } });
  try {
    for (let i = 0; i < 3; i++) s.receiver.answers.push({ status: 401, body: 'token expired' });
    await s.ingest(0, 200);
    const e = s.start();
    await until(() => s.receiver.accepted.length >= 200, 'the 200 records delivered once the receiver takes them');
    assert.deepEqual(ids(s), numbered(0, 200));
    assert.equal(e.stats.recordsRefused, 0);
    assert.equal(e.stats.retries, 3);
    const said = s.logs.filter((l) => /^export_(misdirected|receiver_)/.test(String(l.event)));
    assert.deepEqual(said.map((l) => [l.event, l.url]), [['export_misdirected', s.config.endpoint], ['export_receiver_back', s.config.endpoint]]);
    assert.equal(said[0]!.status, 401);
    assert.equal(said[0]!.answer, 'token expired');
    assert.equal(said[1]!.tries, 4);
  } finally {
    await s.done();
  }
});

test('a cursor that cannot be written holds its exporter where it is, saying why once, until it can: new or running, nothing thrown, lost or sent twice', async () => {
  const s = await setup();
  try {
    await s.ingest(0, 20);
    // A file where the cursors' folder goes: nothing can be written under it.
    writeFileSync(cursorDir(s.c.dir), 'in the way');
    const e = s.start();
    await until(() => s.logs.some((l) => l.event === 'export_failed'), 'the failure logged');
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(s.receiver.accepted.length, 0);
    assert.equal(s.logs.filter((l) => l.event === 'export_failed').length, 1);
    rmSync(cursorDir(s.c.dir));
    await until(() => s.receiver.accepted.length >= 20, 'the 20 records delivered');
    assert.deepEqual(ids(s), numbered(0, 20));
    // The receiver keeps the records before it answers: the exporter counts them once the answer is in.
    await until(() => e.stats.exported === 20, 'the 20 records counted');

    // The folder lost while running: the batch in flight is taken, the cursor cannot record it, and nothing more goes until it can.
    await until(() => e.lag().records === 0, 'the cursor on disk at the end');
    rmSync(cursorDir(s.c.dir), { recursive: true });
    writeFileSync(cursorDir(s.c.dir), 'in the way');
    await s.ingest(20, 10);
    await until(() => s.logs.filter((l) => l.event === 'export_failed').length === 2, 'the second failure logged');
    await s.ingest(30, 10);
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(ids(s), numbered(0, 30));
    rmSync(cursorDir(s.c.dir));
    await until(() => s.receiver.accepted.length >= 40, 'the 10 records stored while held, delivered');
    assert.deepEqual(ids(s), numbered(0, 40));
  } finally {
    await s.done();
  }
});

test('a receiver that takes a batch but rejects some of its records (OTLP partial success): counted as refused, logged with the batch\'s ids, not sent again', async () => {
  const s = await setup({ type: 'otlp', batch: { records: 10, bytes: 1_000_000, waitMs: 0 }, headers: [{ name: 'x-api-key', value: 'k3y1234' }] }, { encoder: otlpEncoder({ encoding: 'json' }) });
  try {
    // Its message echoes the key it was sent: masked, as a refusal's answer is.
    s.receiver.answers.push({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ partialSuccess: { rejectedLogRecords: '3', errorMessage: 'timestamp too old (key k3y1234)' } }) });
    await s.ingest(0, 20);
    const e = s.start();
    await until(() => s.receiver.requests.length >= 2 && e.lag().records === 0, 'both batches answered');
    assert.equal(e.stats.exported, 17);
    assert.equal(e.stats.recordsRefused, 3);
    assert.equal(e.stats.batchesRefused, 0);
    const partial = s.logs.filter((l) => l.event === 'export_partial');
    assert.deepEqual(partial.map((l) => [l.records, l.rejected, l.message, l.first_request_id, l.last_request_id]), [[10, 3, 'timestamp too old (key ***)', 'r-0', 'r-9']]);
    assert.equal(s.receiver.requests.length, 2, 'nothing sent again');
  } finally {
    await s.done();
  }
});

test('an ndjson exporter pointed at an OpenTelemetry Collector (415, a format it does not take): the records wait, nothing refused; mended to otlp, every record arrives', async () => {
  const s = await setup({ batch: { records: 50, bytes: 1_000_000, waitMs: 0 } });
  const otlp = await new OtlpReceiver().start();
  const shelf = new Shelf(s.c.dir);
  try {
    await s.ingest(0, 120);
    const logs: Record<string, unknown>[] = [];
    // Its endpoint as an ndjson exporter takes it, the path and all.
    const wrong = new Exporter({ ...s.config, endpoint: `${otlp.url}/v1/logs` }, ndjsonEncoder, shelf, Cursor.open(s.c.dir, 'test'), (e) => logs.push(e));
    const running = wrong.run();
    await until(() => otlp.answered.length >= 3, 'three tries');
    wrong.stop();
    await running;
    assert.deepEqual([...new Set(otlp.answered)], [415]);
    assert.equal(wrong.stats.recordsRefused, 0);
    assert.ok(logs.some((l) => l.event === 'export_misdirected' && l.status === 415));
    // The config mended (the same exporter, of type otlp) and the collector restarted: nothing was skipped.
    const mended = new Exporter({ ...s.config, type: 'otlp', endpoint: otlp.url, options: { encoding: 'json' } }, otlpEncoder({ encoding: 'json' }), shelf, Cursor.open(s.c.dir, 'test'), () => {});
    const again = mended.run();
    await otlp.until((o) => o.records().length >= 120);
    mended.stop();
    await again;
    assert.deepEqual(otlp.records().map((r) => (r.record.attributes as { key: string; value: { stringValue?: string } }[]).find((a) => a.key === 'redtail.request_id')?.value.stringValue), numbered(0, 120));
  } finally {
    shelf.close();
    await otlp.close();
    await s.done();
  }
});

test('a shard that lost its last commits (a power cut: synchronous=NORMAL) and grew again past the cursor: the records stored since are sent, not skipped', async () => {
  const tmp = tempDir();
  const receiver = new NdjsonReceiver();
  const config: ExporterConfig = {
    name: 'test', type: 'ndjson', endpoint: await receiver.listen(), options: {}, headers: [], filter: {},
    batch: { records: 1000, bytes: 1_000_000, waitMs: 0 }, timeoutMs: 5000, maxBackoffMs: 50, from: 'start',
  };
  const base = structuredClone(DEFAULTS);
  const start = () => startCollector({ ...base, data: tmp.dir, port: 0, retentionDays: 3650, limits: { ...base.limits, maxClockSkewMs: WIDE_SKEW_MS } }, () => {});
  let seq = 0;
  const ingest = async (c: Collector, from: number, n: number) => {
    const res = await post(c.url, ndjson(Array.from({ length: n }, (_, k) => record({ request_id: `r-${from + k}` }))), { 'x-redtail-batch': `test/${++seq}` });
    assert.equal(res.status, 200, JSON.stringify(res.json));
  };
  const logs: Record<string, unknown>[] = [];
  const exportAll = async (): Promise<void> => {
    const shelf = new Shelf(tmp.dir);
    const e = new Exporter(config, ndjsonEncoder, shelf, Cursor.open(tmp.dir, 'test'), (l) => logs.push(l));
    const done = e.run();
    await until(() => e.lag().records === 0 && e.stats.up, 'every record past the cursor delivered');
    e.stop();
    await done;
    shelf.close();
  };
  const shard = join(tmp.dir, 'redtail-2026-11-27.db');
  try {
    let c = await start();
    await ingest(c, 0, 10);
    await c.close();
    // The shard as the disk holds it when the power goes: without the commits after this one.
    const durable = readFileSync(shard);
    c = await start();
    await ingest(c, 10, 10);
    await ingest(c, 20, 10);
    await exportAll();
    await c.close();
    assert.deepEqual(ids({ receiver } as Setup), numbered(0, 30));
    writeFileSync(shard, durable);
    for (const f of [`${shard}-wal`, `${shard}-shm`]) rmSync(f, { force: true });

    // Back up: more is stored (the relays' spools flush) before the exporter first looks.
    c = await start();
    for (let b = 0; b < 3; b++) await ingest(c, 100 + b * 10, 10);
    await exportAll();
    await c.close();
    const got = new Set(ids({ receiver } as Setup));
    assert.deepEqual(numbered(100, 30).filter((id) => !got.has(id)), [], 'records stored after the power cut and never sent');
    // Told apart by the batch of the block at the cursor: the day is sent again from its start, and the log says so.
    const reset = logs.find((l) => l.event === 'export_cursor_reset');
    assert.deepEqual([reset?.cursor_batch, reset?.shard_batch], ['test/3', 'test/5']);
    assert.deepEqual(ids({ receiver } as Setup).slice(30), [...numbered(0, 10), ...numbered(100, 30)]);
  } finally {
    await receiver.close();
    tmp.remove();
  }
});

test('the wall clock stepped back (NTP, a VM resumed) while a batch waits to fill: it is sent after batch.wait_ms all the same, not after the step', async (t) => {
  const s = await setup({ batch: { records: 1000, bytes: 1_000_000, waitMs: 400 } });
  try {
    await s.ingest(0, 10);
    const e = s.start();
    await new Promise((r) => setTimeout(r, 100));
    const now = Date.now.bind(Date);
    t.mock.method(Date, 'now', () => now() - 3_600_000);
    await until(() => e.stats.exported >= 10, 'the batch sent once batch.wait_ms passed', { timeoutMs: 5000 });
    t.mock.restoreAll();
    assert.deepEqual(ids(s), numbered(0, 10));
    assert.equal(e.stats.exported, 10);
  } finally {
    t.mock.restoreAll();
    await s.done();
  }
});
