// Soak: `redtail proxy` as child processes under sustained keep-alive load at a fixed moderate
// rate (not saturation), one with the redtail filter and one with a no-op guest, side by side, in
// front of a real upstream; the filter ships to `redtail serve`, which also takes batches over
// WebSocket at the same time. Each process's RSS is read every second; after warm-up it must stay
// flat. Every request answered, every record stored.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import { collectorProcess, exited, record, until } from '../../collector/test/helpers.js';
import { proxyProcess } from '../../cli/test/redtail.js';
import { steadyLoad } from './load.js';
import { describeGrowth, growth, sampleResident } from './resident.js';

const BUILD = new URL('../../../build/', import.meta.url).pathname;
/** Long enough for a per-request leak to show above a heap settling; short enough for the suite. */
const SECONDS = 60;
const LOAD = { connections: 16, perSecond: 600 };
/** WebSocket ingest beside the filter's HTTP batches: batches a second, records a batch. */
const STREAM = { batchesPerSecond: 10, records: 50 };

/** An app answering a small JSON body on kept-alive connections. */
async function app(): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"order":42,"status":"shipped"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

/** A producer streaming batches to the collector's /v1/stream at a fixed pace; counts what was acknowledged. */
async function streamProducer(collectorUrl: string): Promise<{ acked: () => number; errors: string[]; drain(): Promise<void>; close(): void }> {
  const ws = new WebSocket(`${collectorUrl.replace('http', 'ws')}/v1/stream`);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  let acked = 0;
  let seq = 0;
  const errors: string[] = [];
  ws.on('message', (d) => {
    const reply = JSON.parse(String(d)) as { ack?: string; error?: string };
    if (reply.ack) acked += STREAM.records;
    else errors.push(String(d));
  });
  const timer = setInterval(() => {
    seq++;
    const records = Array.from({ length: STREAM.records }, (_, i) => record({ request_id: `ws-${seq}-${i}`, service: 'soak-stream' }));
    ws.send(JSON.stringify({ batch: `soak-stream/${seq}`, records }));
  }, 1000 / STREAM.batchesPerSecond);
  return {
    acked: () => acked,
    errors,
    /** Stop sending and wait for the acknowledgements of what was sent. */
    drain: async () => {
      clearInterval(timer);
      await until(() => acked === seq * STREAM.records || errors.length > 0, 'every streamed batch acknowledged', { timeoutMs: 10_000 });
    },
    close: () => {
      clearInterval(timer);
      ws.terminate();
    },
  };
}

const stored = async (collectorUrl: string): Promise<number> =>
  Number(/^redtail_records_ingested_total (\d+)/m.exec(await (await fetch(`${collectorUrl}/metrics`)).text())![1]);

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill('SIGTERM');
  await done;
}

test(`soak: redtail proxy (filter and no-op guest) and the collector keep flat memory over ${SECONDS} s of keep-alive load`, async (t) => {
  // Each part is stopped whatever happens, so a failed assertion fails the test instead of holding it open.
  const collector = await collectorProcess();
  t.after(() => collector.stop());
  const upstream = await app();
  t.after(() => upstream.close());
  const common = ['--upstream', upstream.url, '--cluster', `redtail-collector=${collector.url}`, '--log-level', 'warning'];
  const filtered = await proxyProcess([...common, '--filter', `${BUILD}filter.wasm`]);
  t.after(() => stop(filtered.child));
  const noop = await proxyProcess([...common, '--filter', `${BUILD}guests/noop.wasm`]);
  t.after(() => stop(noop.child));
  const producer = await streamProducer(collector.url);
  t.after(() => producer.close());
  const memory = sampleResident({ 'proxy (filter)': filtered.child.pid!, 'proxy (no-op)': noop.child.pid!, collector: collector.child.pid! }, { everyMs: 1000 });
  t.after(() => memory.stop());
  const amount = LOAD.perSecond * SECONDS;
  const [withFilter, withNoop] = await Promise.all([
    steadyLoad(filtered.proxy, { ...LOAD, amount }),
    steadyLoad(noop.proxy, { ...LOAD, amount }),
  ]);
  memory.stop();
  await producer.drain();

  for (const [name, r] of [['filter', withFilter], ['no-op', withNoop]] as const) {
    t.diagnostic(`proxy (${name}): ${r['2xx']} answered 2xx of ${amount}, ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`);
    assert.equal(r.errors + r.timeouts + r.non2xx, 0, `proxy (${name}): every request answered 2xx`);
    assert.equal(r['2xx'], amount, `proxy (${name}): every request answered`);
  }
  assert.deepEqual(producer.errors, [], 'every streamed batch acknowledged');
  // The filter flushes each second: its last batches follow the last requests.
  const expected = withFilter['2xx'] + producer.acked();
  const deadline = Date.now() + 10_000;
  let records = await stored(collector.url);
  while (records < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    records = await stored(collector.url);
  }
  assert.equal(records, expected, 'a record for every request through the filter, and every streamed record, stored once');

  const judged = Object.entries(memory.samples).map(([name, samples]) => ({ name, samples, g: growth(samples) }));
  for (const { name, samples, g } of judged) t.diagnostic(describeGrowth(name, samples, g));
  assert.deepEqual(judged.filter(({ g }) => !g.flat).map(({ name, samples, g }) => describeGrowth(name, samples, g)), [], 'memory flat after warm-up');
});
