// What the collector sustains, with the raw better-sqlite3 insert rate for the same rows measured
// in the same run as the baseline: ingest over WebSocket and over HTTP (the collector in its own
// process, as deployed), bytes stored per record, query latency over 5 million records (200,000
// with --quick), the free-text index's build rate, and tail latency from commit to subscriber.
import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { generateSigner, query, readBatch, Store, verifyLog, WordsCatchUp } from '../collector/src/index.js';
import { type Measurement, target, withTarget } from './measure.js';

const BIN = new URL('../../bin/redtail.js', import.meta.url).pathname;
const SERVICES = ['orders', 'payments', 'catalog', 'cart', 'search', 'users', 'shipping', 'reviews'];

/** A record like the filter's, about 600 bytes of JSON. */
export function sampleRecord(i: number, time = Date.now()): Record<string, unknown> {
  const service = SERVICES[i % SERVICES.length]!;
  const code = i % 50 === 0 ? 503 : i % 13 === 0 ? 404 : 200;
  return {
    start_time: new Date(time).toISOString(), method: i % 4 ? 'GET' : 'POST', path: `/api/v1/${service}/${i % 1000}?page=${i % 7}&sort=desc`,
    protocol: 'HTTP/1.1', response_code: code, response_flags: code === 503 ? 'UF' : '-', response_code_details: 'via_upstream',
    bytes_received: i % 4 ? 0 : 342, bytes_sent: 1024 + (i % 4096), duration: 3 + (i % 40), upstream_service_time: String(2 + (i % 30)),
    x_forwarded_for: `203.0.113.${i % 250}`, user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36',
    request_id: `6f1c2a9e-3b7d-4f1e-9c0a-${String(i).padStart(12, '0')}`, authority: `${service}.shop.svc.cluster.local:8080`,
    upstream_host: `10.1.${i % 8}.${i % 200}:8080`, upstream_cluster: `inbound|8080||`, downstream_local_address: '10.1.0.9:8080',
    downstream_remote_address: `10.1.3.${i % 250}:51234`, route_name: 'default', trace_id: (i * 2654435761).toString(16).padStart(32, '0').slice(-32),
    span_id: (i * 40503).toString(16).padStart(16, '0').slice(-16), service, namespace: 'shop', workload: `${service}-v1`, node: `${service}-v1-7d9f-x2x`,
    request_headers: { 'content-type': 'application/json' },
  };
}

const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000);
const row = (name: string, value: number, unit: string, note?: string): Measurement =>
  ({ name: `${name} (${unit})`, nsPerOp: value, minNs: value, maxNs: value, runs: 1, iterations: 0, note });

/** `redtail serve` on `data` as its own process, with `args` besides (a --config). */
export async function serve(data: string, args: string[] = []): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data', data, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stderr.on('data', (c: Buffer) => {
      buf += c;
      // The listening event's url, not an earlier one's (export_started names its receiver's).
      const m = /"event":"listening","url":"([^"]+)"/.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error(`redtail serve exited: ${buf}`)));
  });
  return { url, stop: () => new Promise((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); }) };
}

/** A message `{"batch":"…","records":[…]}` as made above, with another batch id. */
function withId(message: Buffer, id: string): Buffer {
  const end = message.indexOf('","records":');
  return Buffer.concat([Buffer.from(`{"batch":${JSON.stringify(id)}`), message.subarray(end + 1)]);
}

/** A gauge's value from the collector's /metrics. */
export async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

function onDisk(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

export async function collectorBench(quick: boolean): Promise<Measurement[]> {
  const results: Measurement[] = [];
  const batchSize = 500;
  const batches = quick ? 100 : 400;
  const total = batchSize * batches;
  const now = Date.now();
  /** Batch b's records (the same each time it is made). */
  const payload = (b: number) => Array.from({ length: batchSize }, (_, i) => sampleRecord(b * batchSize + i, now - (total - b * batchSize - i)));
  // The producers' messages, encoded before any clock starts, as bytes (outside the JavaScript
  // heap, and no record object kept): in a mesh the producers run on other machines, and here
  // every microsecond they spend, encoding or collecting the garbage of 200,000 record objects,
  // is taken from the collector's two cores.
  const messages: Buffer<ArrayBuffer>[] = [];
  const bodies: Buffer<ArrayBuffer>[] = [];
  for (let b = 0; b < batches; b++) {
    const records = payload(b);
    messages.push(Buffer.from(JSON.stringify({ batch: `bench/${b}`, records })));
    bodies.push(Buffer.from(records.map((r) => JSON.stringify(r)).join('\n')));
  }

  // Baseline: the same rows straight into SQLite as they come (the JSON next to the same indexed
  // columns and indexes), one transaction a batch: what better-sqlite3 does with no layout work.
  {
    const dir = mkdtempSync(join(tmpdir(), 'redtail-bench-'));
    const db = new Database(join(dir, 'raw.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE records (id INTEGER PRIMARY KEY, time INTEGER, status INTEGER, service TEXT, namespace TEXT, workload TEXT, method TEXT,
      authority TEXT, path TEXT, request_id TEXT, trace_id TEXT, record TEXT);
      CREATE INDEX t ON records(time); CREATE INDEX s ON records(service, time); CREATE INDEX n ON records(namespace, time);
      CREATE INDEX w ON records(workload, time); CREATE INDEX c ON records(status, time); CREATE INDEX a ON records(authority, time);
      CREATE INDEX r ON records(request_id); CREATE INDEX tr ON records(trace_id);`);
    const insert = db.prepare('INSERT INTO records (time, status, service, namespace, workload, method, authority, path, request_id, trace_id, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const tx = db.transaction((items: Record<string, unknown>[]) => {
      for (const r of items) insert.run(Date.parse(r.start_time as string), r.response_code, r.service, r.namespace, r.workload, r.method, r.authority, r.path, r.request_id, r.trace_id, JSON.stringify(r));
    });
    let inserting = 0; // only the inserts are timed, not making the records
    for (let b = 0; b < batches; b++) {
      const records = payload(b);
      const t0 = performance.now();
      tx(records);
      inserting += performance.now() - t0;
    }
    results.push(row('raw better-sqlite3 insert of the records as they come, same indexes (baseline)', perSecond(total, inserting), 'records/s'));
    db.close();
    results.push(row('… bytes per record that way', Math.round(onDisk(dir) / total), 'bytes'));
    rmSync(dir, { recursive: true, force: true });
  }

  // Over WebSocket: one connection, 500-record batches, at most 16 unacknowledged at a time (as
  // a relay keeps them, or 16 sidecars one each: a producer that queued every batch at once
  // would spend the collector's two cores masking and buffering them all first). Sustained
  // ingest is the rate after the first 100,000 records, once the collector's code is compiled
  // and its files have grown; the cold rate over the whole run is given too. Three runs, each
  // against a collector of its own (this machine's speed moves from minute to minute): the
  // median, and the range. The free-text index is built behind ingest: its lag when the last
  // batch was acknowledged says whether it kept up.
  {
    const sustained: number[] = [];
    const cold: number[] = [];
    const lags: number[] = [];
    let bytes = 0;
    const sends = quick ? 400 : 1200;
    const warm = 200; // batches
    const window = 16;
    for (let run = 0; run < (quick ? 1 : 3); run++) {
      const dir = mkdtempSync(join(tmpdir(), 'redtail-bench-'));
      const c = await serve(dir);
      const ws = new WebSocket(`${c.url.replace('http', 'ws')}/v1/stream`);
      await new Promise((r) => ws.once('open', r));
      // Batch k is message k % batches with its own id: the records repeat, the batches do not.
      const send = (k: number) => ws.send(k < batches ? messages[k]! : withId(messages[k % batches]!, `bench/${k}`), { binary: false });
      let sent = 0;
      let acked = 0;
      let warmAt = 0;
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        ws.on('message', () => {
          if (++acked === warm) warmAt = performance.now();
          if (acked === sends) resolve();
          else if (sent < sends) send(sent++);
        });
        while (sent < window) send(sent++);
      });
      const end = performance.now();
      sustained.push(perSecond((sends - warm) * batchSize, end - warmAt));
      cold.push(perSecond(sends * batchSize, end - t0));
      lags.push(await metric(c.url, 'redtail_words_index_lag_blocks'));
      ws.close();
      await c.stop();
      bytes = onDisk(dir);
      rmSync(dir, { recursive: true, force: true });
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const spread = (name: string, xs: number[], unit: string): Measurement =>
      ({ ...row(name, median(xs), unit), minNs: Math.min(...xs), maxNs: Math.max(...xs), runs: xs.length });
    results.push(withTarget(spread(`ingest over WebSocket, sustained: after the first ${(warm * batchSize).toLocaleString('en')} of ${(sends * batchSize).toLocaleString('en')} records`, sustained, 'records/s'), (m) => target(m.nsPerOp, 'records/s', { min: 100_000 })));
    results.push(spread('… the whole run, from a cold start', cold, 'records/s'));
    results.push(spread('… free-text index lag at the last acknowledgement (256-record blocks)', lags, 'blocks'));
    results.push(withTarget(row('stored bytes per record, indexes included', Math.round(bytes / (sends * batchSize)), 'bytes'), (m) => target(m.nsPerOp, 'bytes', { max: 250 })));
  }

  // Over HTTP: four producers posting NDJSON batches.
  {
    const dir = mkdtempSync(join(tmpdir(), 'redtail-bench-'));
    const c = await serve(dir);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < bodies.length) {
        const b = next++;
        const res = await fetch(`${c.url}/v1/ingest`, { method: 'POST', body: bodies[b]!, headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': `http/${b}` } });
        await res.arrayBuffer();
      }
    }));
    results.push(row('ingest over HTTP, 500-record NDJSON batches, 4 producers', perSecond(total, performance.now() - t0), 'records/s'));
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  // The producers' messages are done with: let them go, so the queries below do not run beside
  // a few hundred megabytes of them (a heap holding much more than a collector's does).
  messages.length = 0;
  bodies.length = 0;

  // Tail latency: 10 subscribers while a producer sends 10,000 records a second over a WebSocket,
  // 100-record batches every 10 ms. Commit to subscriber is measured from the batch's ack (sent
  // right after its commit) to the subscriber's message; send to subscriber includes the write.
  {
    const dir = mkdtempSync(join(tmpdir(), 'redtail-bench-'));
    const c = await serve(dir);
    const sentAt: number[] = [];
    const ackedAt: number[] = [];
    const seen: { tick: number; at: number }[] = [];
    const subscribers = await Promise.all(Array.from({ length: 10 }, () => new Promise<WebSocket>((resolve) => {
      const ws = new WebSocket(`${c.url.replace('http', 'ws')}/v1/tail`);
      ws.on('message', (d: Buffer) => {
        // Light work here: this process also produces, and its own lag would count as latency.
        // The first record of a message is its oldest: it gives the message's worst latency.
        const at = performance.now();
        const tick = Number(/"request_id":"t(\d+)-/.exec(d.toString('latin1', 0, 2000))?.[1]);
        if (Number.isInteger(tick)) seen.push({ tick, at });
      });
      ws.once('open', () => resolve(ws));
    })));
    const producer = new WebSocket(`${c.url.replace('http', 'ws')}/v1/stream`);
    producer.on('message', (d) => { ackedAt[Number(/"ack":"tail\/(\d+)"/.exec(String(d))?.[1])] = performance.now(); });
    await new Promise((r) => producer.once('open', r));
    const seconds = quick ? 2 : 5;
    const start = performance.now();
    for (let tick = 0; tick < seconds * 100; tick++) {
      const records = Array.from({ length: 100 }, (_, i) => ({ ...sampleRecord(tick * 100 + i), request_id: `t${tick}-${i}` }));
      const message = JSON.stringify({ batch: `tail/${tick}`, records });
      // On a fixed schedule, so a slow collector does not slow the producer down.
      await new Promise((r) => setTimeout(r, Math.max(0, start + tick * 10 - performance.now())));
      sentAt[tick] = performance.now();
      producer.send(message);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;
    const fromSend = seen.map((s) => s.at - sentAt[s.tick]!).sort((a, b) => a - b);
    const fromCommit = seen.filter((s) => ackedAt[s.tick] !== undefined).map((s) => Math.max(0, s.at - ackedAt[s.tick]!)).sort((a, b) => a - b);
    results.push({ name: 'tail latency, commit to subscriber, 10 subscribers at 10,000 records/s (ms p50; p99)',
      nsPerOp: pct(fromCommit, 0.5), minNs: pct(fromCommit, 0.5), maxNs: pct(fromCommit, 0.99), runs: 1, iterations: fromCommit.length,
      target: { ...target(pct(fromCommit, 0.99), 'ms', { max: 50 }), bound: 'p99 ≤ 50 ms' } });
    results.push({ name: '… send to subscriber, the write included (ms p50; p99)',
      nsPerOp: pct(fromSend, 0.5), minNs: pct(fromSend, 0.5), maxNs: pct(fromSend, 0.99), runs: 1, iterations: fromSend.length });
    // Let go of the subscribers and what they saw at once: a closed client waits up to 30 s for
    // the server's close frame, holding its listeners (and the half million timings here), and
    // the queries below would collect that garbage again and again.
    for (const s of subscribers) s.terminate();
    producer.terminate();
    seen.length = 0;
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  // Queries over a loaded store (in process: the query path, not HTTP): 5 million records, 10 ms
  // apart (about 14 hours, one or two daily shards), loaded as 1,000-record batches. Each query
  // runs 200 times (so that p99 is not simply the slowest), with no block cache (SQLite's own
  // page cache stays warm).
  {
    const dir = mkdtempSync(join(tmpdir(), 'redtail-bench-'));
    // No block kept decompressed between queries: each is timed as the first.
    const store = new Store(dir, { cachedBlocks: 0 });
    const loaded = quick ? 200_000 : 5_000_000;
    const t0 = Date.now() - loaded * 10;
    let writing = 0;
    for (let b = 0; b * 1000 < loaded; b++) {
      const items = Array.from({ length: 1000 }, (_, i) => sampleRecord(b * 1000 + i, t0 + (b * 1000 + i) * 10));
      const read = readBatch(Buffer.from(JSON.stringify(items)), 'body', { maxRecordBytes: 1 << 20, maxRecords: 100_000 });
      if (!read.ok) throw read.error;
      const w = performance.now();
      store.write(`load/${b}`, read.rows, read.gaps);
      writing += performance.now() - w;
      if (!quick && b % 500 === 499) process.stderr.write(`bench: loaded ${((b + 1) * 1000).toLocaleString('en')} of ${loaded.toLocaleString('en')} records\n`);
    }
    results.push(row(`store writes while loading ${loaded.toLocaleString('en')} records, in process (no network, no parsing)`, perSecond(loaded, writing), 'records/s'));
    results.push(row('… bytes per record on disk, before the free-text index', Math.round(onDisk(dir) / loaded), 'bytes'));
    const i0 = performance.now();
    const words = new WordsCatchUp(dir);
    while (words.indexUntil(performance.now() + 10_000)) if (!quick) process.stderr.write('bench: building the free-text index …\n');
    words.close();
    results.push(row('free-text index, built behind ingest', perSecond(loaded, performance.now() - i0), 'records/s'));
    results.push(withTarget(row('… bytes per record on disk, with the free-text index', Math.round(onDisk(dir) / loaded), 'bytes'), (m) => target(m.nsPerOp, 'bytes', { max: 250 })));
    // The store at rest: the system writes back the gigabyte just written before the clock
    // starts, not on the two cores while the queries are timed.
    for (const f of readdirSync(dir)) {
      const fd = openSync(join(dir, f), 'r');
      fsyncSync(fd);
      closeSync(fd);
    }
    const filters: [string, object][] = [
      ['service and 5xx, last 15 minutes', { service: 'payments', status: '5xx', since: '15m' }],
      ['service and 503, newest 100', { service: 'orders', status: '503' }],
      ['one request id', { request_id: `6f1c2a9e-3b7d-4f1e-9c0a-${String(loaded - 4242).padStart(12, '0')}` }],
      ['one trace id, whole range', { trace_id: ((loaded - 777) * 2654435761).toString(16).padStart(32, '0').slice(-32) }],
      ['service, newest 100', { service: 'orders' }],
      ['path prefix, last hour', { path: '/api/v1/cart/', since: '1h' }],
      ['free text, a common word', { text: 'Safari' }],
      ['free text, one address', { text: '203.0.113.77' }],
    ];
    const QUERY_RUNS = quick ? 50 : 200;
    for (const [name, f] of filters) {
      const times: number[] = [];
      for (let i = 0; i < QUERY_RUNS; i++) {
        const s = performance.now();
        query(store, f);
        times.push(performance.now() - s);
      }
      times.sort((a, b) => a - b);
      const p99 = times[Math.floor(times.length * 0.99)]!;
      results.push({ name: `query over ${loaded.toLocaleString('en')} records: ${name} (ms p50; min p50, max p99)`,
        nsPerOp: times[Math.floor(times.length / 2)]!, minNs: times[Math.floor(times.length / 2)]!, maxNs: p99, runs: QUERY_RUNS, iterations: 0,
        target: { ...target(p99, 'ms', { max: 50 }), bound: 'p99 ≤ 50 ms' } });
    }
    store.close();
    // Verify, as `redtail verify` does it: each day's tree grown again from the stored records
    // (this store has no checkpoints: the rate is the recomputation's, which is nearly all of it).
    const v0 = performance.now();
    const verified = verifyLog(dir, generateSigner('redtail.bench/verify').verifier).reduce((n, r) => n + r.records, 0);
    results.push(row(`verify: the trees of ${verified.toLocaleString('en')} stored records grown again from their blocks`, perSecond(verified, performance.now() - v0), 'records/s'));
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
