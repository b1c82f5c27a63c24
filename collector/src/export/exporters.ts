// The exporters as the collector holds them: their cursors checked at start (one that cannot be
// read refuses the start), the worker thread they run in (worker.ts) started, woken after each
// commit, their latest figures kept for /metrics, and stopped with the collector.
import { Worker } from 'node:worker_threads';
import type { Log } from '../events.js';
import type { ExporterConfig } from './config.js';
import { Cursor } from './cursor.js';
import { FORMATS } from './formats.js';
import type { ExporterStats } from './exporter.js';
import { BlockCounts, type Lag, lag } from './lag.js';
import type { Shard } from '../store/shard.js';

/** An exporter's figures for /metrics: its work as the worker counted it, its lag as its cursor says. */
export type ExporterFigures = ExporterStats & { lag: Lag };

/** How long a stopping collector waits for a request in flight to be answered, ms; then the cursor stays before it. */
export const STOP_GRACE_MS = 2000;

/** Throws CursorUnreadable for the first exporter whose cursor file cannot be read. */
export function checkCursors(data: string, exporters: ExporterConfig[]): void {
  for (const e of exporters) Cursor.open(data, e.name);
}

export class Exporters {
  /** The figures the worker sent last, an entry an exporter. */
  private stats: ExporterStats[];
  private readonly worker: Worker | undefined;
  private readonly gone: Promise<void>;
  private waking = false;
  private readonly counts = new BlockCounts();

  constructor(private readonly data: string, exporters: ExporterConfig[], log: Log) {
    this.stats = exporters.map((e) => ({ name: e.name, exported: 0, batchesRefused: 0, recordsRefused: 0, retries: 0, up: true }));
    if (exporters.length === 0) {
      this.gone = Promise.resolve();
      return;
    }
    for (const e of exporters) {
      log({ level: 'info', event: 'export_started', exporter: e.name, type: e.type, url: e.endpoint + FORMATS[e.type]!.path, ...e.options, filter: e.filter, headers: e.headers.map((h) => h.name),
        ...(e.ca ? { ca: e.ca.file } : {}), ...(e.client ? { cert: e.client.cert } : {}) });
    }
    const worker = (this.worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { data, exporters } }));
    worker.on('message', (m: { stats?: ExporterStats[]; log?: Record<string, unknown> }) => {
      if (m.stats) this.stats = m.stats;
      if (m.log) log(m.log);
    });
    worker.on('error', (err) => {
      // Shown as down: nothing is sent until the collector restarts.
      this.stats = this.stats.map((s) => ({ ...s, up: false }));
      log({ level: 'error', event: 'export_stopped', error: err.message,
        hint: 'no records are exported until the collector restarts; they wait in the store, and the cursors say where each exporter stopped' });
    });
    worker.unref();
    this.gone = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  }

  /** Each exporter's figures, its lag read now from its cursor file and the collector's shards; NaN when the file cannot be read. */
  figures(shards: Shard[]): ExporterFigures[] {
    return this.stats.map((stats) => {
      try {
        const cursor = Cursor.open(this.data, stats.name);
        return { ...stats, lag: lag(this.counts, shards, (day) => cursor.position(day)) };
      } catch {
        return { ...stats, lag: { records: NaN, seconds: NaN } };
      }
    });
  }

  /** Records were stored: the exporters look now. Several commits in one turn of the event loop make one message. */
  wake(): void {
    if (this.worker === undefined || this.waking) return;
    this.waking = true;
    setImmediate(() => {
      this.waking = false;
      try {
        this.worker!.postMessage('wake');
      } catch {
        // The worker is gone: nothing to wake.
      }
    });
  }

  /** Let a request in flight finish (and its cursor be written), for STOP_GRACE_MS at most. */
  stop(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return this.gone;
    worker.ref();
    worker.postMessage('stop');
    const cut = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
    return this.gone.then(() => clearTimeout(cut));
  }
}
