// What exporting costs and sustains, with the collector as its own process as deployed: ingest's
// rate with no exporter, with an OTLP one and with a Loki one, and each exporter's throughput
// while ingest runs, to a receiver on loopback that takes every request. Each round runs the
// three in another order, so a machine getting slower or faster over the run weighs on all alike.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { metric, sampleRecord, serve } from './collector.bench.js';
import type { Measurement } from './measure.js';
import { median } from './median.js';

const BATCH = 500;
/** Unacknowledged batches on the producer's connection, as in the collector suite. */
const WINDOW = 16;
/** The exporters measured, each alone: the compact encodings, with their defaults. */
const EXPORTERS = [
  { name: 'otlp', type: 'otlp', encoding: 'protobuf' },
  { name: 'loki', type: 'loki', encoding: 'protobuf' },
];
type Mode = (typeof EXPORTERS)[number] | undefined;

const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000);

/** A receiver that reads every request whole and answers 204, as a healthy OpenTelemetry Collector does. */
async function receiver(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** Send every message over one WebSocket, WINDOW unacknowledged at most; the time it took, ms. */
async function ingest(url: string, messages: Buffer[]): Promise<number> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/stream`);
  await new Promise((r) => ws.once('open', r));
  let sent = 0;
  let acked = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    ws.on('message', () => {
      if (++acked === messages.length) resolve();
      else if (sent < messages.length) ws.send(messages[sent++]!, { binary: false });
    });
    while (sent < Math.min(WINDOW, messages.length)) ws.send(messages[sent++]!, { binary: false });
  });
  const ms = performance.now() - t0;
  ws.close();
  return ms;
}

export async function exportBench(quick: boolean): Promise<Measurement[]> {
  const batches = quick ? 60 : 400;
  const rounds = quick ? 1 : 3;
  const total = batches * BATCH;
  const now = Date.now();
  // Encoded before any clock starts (see the collector suite: producers run elsewhere).
  const messages = Array.from({ length: batches }, (_, b) => Buffer.from(JSON.stringify({
    batch: `bench/${b}`, records: Array.from({ length: BATCH }, (_, i) => sampleRecord(b * BATCH + i, now - (total - b * BATCH - i))),
  })));
  const sink = await receiver();
  const modes: Mode[] = [undefined, ...EXPORTERS];
  const ingestRate = new Map<Mode, number[]>(modes.map((m) => [m, []]));
  const exportRate = new Map<Mode, number[]>(modes.map((m) => [m, []]));
  const duringIngest = new Map<Mode, number[]>(modes.map((m) => [m, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < modes.length; k++) {
        const mode = modes[(round + k) % modes.length];
        const dir = mkdtempSync(join(tmpdir(), 'redtail-bench-'));
        const config = join(dir, 'config.json');
        writeFileSync(config, JSON.stringify({ exporters: mode ? [{ ...mode, endpoint: sink.url }] : [] }));
        const c = await serve(join(dir, 'data'), ['--config', config]);
        const t0 = performance.now();
        const ms = await ingest(c.url, messages);
        ingestRate.get(mode)!.push(perSecond(total, ms));
        if (mode) {
          duringIngest.get(mode)!.push(perSecond(await metric(c.url, `redtail_export_records_total{exporter="${mode.name}"}`), ms));
          // Looked at often enough for a lag of a few seconds to be timed within a few percent.
          while ((await metric(c.url, `redtail_export_lag_records{exporter="${mode.name}"}`)) !== 0) await new Promise((r) => setTimeout(r, 50));
          exportRate.get(mode)!.push(perSecond(total, performance.now() - t0));
        }
        await c.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await sink.close();
  }
  const spread = (name: string, xs: number[], unit: string): Measurement =>
    ({ name, unit, nsPerOp: median(xs), minNs: Math.min(...xs), maxNs: Math.max(...xs), runs: xs.length, iterations: total });
  return [
    spread(`ingest over WebSocket, no exporter (${total.toLocaleString('en')} records, 500 a batch)`, ingestRate.get(undefined)!, 'records/s'),
    ...EXPORTERS.flatMap((e) => [
      spread(`… with an exporter: ${e.type}, ${e.encoding}, to a loopback receiver`, ingestRate.get(e)!, 'records/s'),
      spread(`${e.type} export throughput: every record delivered, from the first batch sent to a lag of 0`, exportRate.get(e)!, 'records/s'),
      spread(`… ${e.type} records delivered while ingest ran, over its time`, duringIngest.get(e)!, 'records/s'),
    ]),
  ];
}
