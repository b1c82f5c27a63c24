// The worker thread the exporters run in, off the collector's main thread so that reading,
// encoding and sending never slow ingest: its own read-only connections to the shards (shelf.ts).
// The collector sends 'wake' after a batch commits and 'stop' when it closes; the worker sends
// back its exporters' figures for /metrics, and log events.
import { parentPort, workerData } from 'node:worker_threads';
import { runInBackground } from '../background.js';
import type { Log } from '../events.js';
import type { ExporterConfig } from './config.js';
import { Cursor } from './cursor.js';
import { Exporter } from './exporter.js';
import { FORMATS } from './formats.js';
import { Shelf } from './shelf.js';

/** How often the figures are sent besides when they change, ms. */
export const STATS_EVERY_MS = 500;

runInBackground();
const { data, exporters } = workerData as { data: string; exporters: ExporterConfig[] };
const log: Log = (event) => parentPort!.postMessage({ log: event });
const shelf = new Shelf(data);
const report = () => parentPort!.postMessage({ stats: running.map((e) => ({ ...e.stats })) });
const running = exporters.map((c) => new Exporter(c, FORMATS[c.type]!.encoder(c.options, c.name), shelf, Cursor.open(data, c.name), log, report));
const reporting = setInterval(report, STATS_EVERY_MS);
const done = Promise.all(running.map((e) => e.run()));

parentPort!.on('message', (m: 'wake' | 'stop') => {
  if (m === 'wake') for (const e of running) e.wake();
  if (m !== 'stop') return;
  for (const e of running) e.stop();
  void done.then(() => {
    clearInterval(reporting);
    report();
    shelf.close();
    parentPort!.close();
  });
});
