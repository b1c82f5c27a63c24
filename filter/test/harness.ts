// The filter under test: the real build/filter.wasm in the host, shipping to a stub collector
// (a real HTTP server on loopback) that keeps every batch it accepts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { Host, type HostOptions, type LogEntry, type Plugin, type PluginOptions, runExchange, type ExchangeOptions, type ExchangeRequest } from '../../host/src/index.js';

export const FILTER = new URL('../../../build/filter.wasm', import.meta.url).pathname;

export interface Batch {
  id: string;
  headers: http.IncomingHttpHeaders;
  lines: Record<string, unknown>[];
  raw: string;
}

export class StubCollector {
  batches: Batch[] = [];
  /** Every POST seen, accepted or not. */
  attempts: string[] = [];
  /** What to answer next: a status, or 'reset' to drop the connection. */
  answer: number | 'reset' = 200;
  /** A batch with a longer line is refused whole with a 400, as the collector's limits.max_record_bytes does. */
  maxRecordBytes = Infinity;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString();
      const id = String(req.headers['x-redtail-batch']);
      this.attempts.push(id);
      if (this.answer === 'reset') return req.socket.destroy();
      if (raw.split('\n').some((l) => Buffer.byteLength(l) > this.maxRecordBytes)) return void res.writeHead(400).end();
      if (this.answer >= 200 && this.answer < 300 && !this.batches.some((b) => b.id === id)) {
        this.batches.push({ id, headers: req.headers, raw, lines: raw.split('\n').filter(Boolean).map((l) => JSON.parse(l)) });
      }
      res.writeHead(this.answer);
      res.end();
    });
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  records(): Record<string, unknown>[] {
    return this.batches.flatMap((b) => b.lines).filter((l) => !('gap' in l));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

export async function waitFor(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface Running {
  host: Host;
  plugin: Plugin;
  collector: StubCollector;
  logs: LogEntry[];
  /** Run one request through the filter. */
  send(request: ExchangeRequest, options?: ExchangeOptions): ReturnType<typeof runExchange>;
  /** Wait until n records have arrived, and return them. */
  records(n: number, ms?: number): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/** The filter with a configuration (an object, serialized, or a raw string), shipping to a stub collector. */
export async function startFilter(config: object | string = {}, options: PluginOptions & { collector?: StubCollector; host?: HostOptions } = {}): Promise<Running> {
  const collector = options.collector ?? await new StubCollector().start();
  const logs: LogEntry[] = [];
  const host = new Host({ clusters: { 'redtail-collector': collector.url }, onLog: (e) => logs.push(e), logLevel: 'debug', ...options.host });
  const module = await host.load(FILTER);
  const configuration = typeof config === 'string' ? config : JSON.stringify({ flush: { interval_ms: 20 }, ...config });
  let plugin: Plugin;
  try {
    plugin = host.startPlugin(module, { configuration, ...options });
  } catch (err) {
    if (!options.collector) await collector.close();
    throw err;
  }
  let stopped: Promise<void> | undefined;
  const running: Running = {
    host, plugin, collector, logs,
    send: (request, opts) => runExchange(plugin, request, opts),
    async records(n, ms) {
      await waitFor(`${n} records at the collector`, () => collector.records().length >= n, ms);
      return collector.records();
    },
    stop: () => (stopped ??= (async () => {
      unstopped.delete(running);
      await plugin.close();
      if (!options.collector) await collector.close();
    })()),
  };
  unstopped.add(running);
  return running;
}

// A test that fails before its stop() would leave its collector listening and the file's
// process running forever: whatever is still running is stopped when the file's tests end.
const unstopped = new Set<Running>();
after(async () => {
  for (const r of [...unstopped]) await r.stop();
});

export const GET = { ':method': 'GET', ':path': '/', ':authority': 'shop.example', ':scheme': 'http' };

/**
 * Bodies of the given content types through the filter (body capture on, up to 64 KiB), each as
 * the record's request_body.
 */
export async function bodiesOf(bodies: [string, string][], config: object = {}): Promise<string[]> {
  const f = await startFilter({ capture: { body: { enabled: true, max_bytes: 65536 } }, ...config });
  try {
    for (let i = 0; i < bodies.length; i++) {
      const [type, body] = bodies[i]!;
      await f.send({ headers: { ':method': 'POST', ':path': '/', ':authority': 'shop', 'content-type': type, 'x-request-id': `body-${i}` }, body });
    }
    const records = await f.records(bodies.length);
    return bodies.map((_, i) => String(records.find((r) => r.request_id === `body-${i}`)?.request_body ?? ''));
  } finally {
    await f.stop();
  }
}
