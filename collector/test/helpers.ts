// Test helpers: a real collector on loopback over a temporary data folder.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CollectorConfig, DEFAULTS } from '../src/config.js';
import { type Collector, startCollector } from '../src/http/server.js';
import { WordsCatchUp } from '../src/search/catch-up.js';
import type { Store } from '../src/store/store.js';

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'redtail-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A clock skew wide enough for the fixed dates tests write (the widest the config takes). */
export const WIDE_SKEW_MS = 3650 * 86_400_000;

type Overrides = Partial<Omit<CollectorConfig, 'limits'>> & { limits?: Partial<CollectorConfig['limits']> };

export async function collector(overrides: Overrides = {}): Promise<Collector & { dir: string; logs: Record<string, unknown>[]; stop(): Promise<void> }> {
  const tmp = tempDir();
  const logs: Record<string, unknown>[] = [];
  const base = structuredClone(DEFAULTS);
  // Tests write records of fixed dates: a retention and a clock skew of ten years keep them within
  // the bounds whenever the tests run (a test of the bounds sets its own).
  const config = {
    ...base, data: tmp.dir, port: 0, retentionDays: 3650, ...overrides,
    limits: { ...base.limits, maxClockSkewMs: WIDE_SKEW_MS, ...overrides.limits },
  };
  const c = await startCollector(config, (e) => logs.push(e));
  return { ...c, dir: tmp.dir, logs, stop: async () => { await c.close(); tmp.remove(); } };
}

/** A record as the filter writes it, with overrides. */
export function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    start_time: '2026-11-27T10:00:00.000Z', method: 'GET', path: '/api/orders', protocol: 'HTTP/1.1', response_code: 200,
    response_flags: '-', bytes_received: 0, bytes_sent: 12, duration: 3, request_id: 'r-1', authority: 'shop',
    service: 'orders', namespace: 'shop', workload: 'orders-v1', ...overrides,
  };
}

export const ndjson = (records: object[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

export async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/v1/ingest`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson', ...headers } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export async function get(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, { headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const BIN = new URL('../../../bin/redtail.js', import.meta.url).pathname;

/**
 * `redtail <args>` as a real child process, resolved once it logs that it is listening; its
 * stderr lines (JSON logs) are collected as they come.
 */
export function spawnRedtail(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; stderr: string[] }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  const stderr: string[] = [];
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        stderr.push(line);
        let event: { event?: string; url?: string };
        try {
          event = JSON.parse(line) as typeof event;
        } catch {
          continue; // not one of our JSON logs (a Node warning, say)
        }
        if (event.event === 'listening') resolve({ child, url: event.url!, stderr });
      }
    });
    child.once('exit', (code) => reject(new Error(`redtail ${args[0]} exited (${code}): ${stderr.join('\n')}`)));
  });
}

export const exited = (child: ChildProcess): Promise<number | null> => new Promise((r) => child.once('exit', (code) => r(code)));

/**
 * A stand-in for a collector whose answers hold lines that are not records (as a damaged store or
 * another version could send): the page, /v1/logs answering `records`, and /v1/tail sending each
 * of `messages` to every subscriber. The real collector no longer sends such lines, so the
 * clients' handling of them is tested against this.
 */
export async function garbledCollector(records: unknown[], messages: string[]): Promise<{ url: string; close(): Promise<void> }> {
  const { servePage } = await import('../src/http/page.js');
  const { WebSocketServer } = await import('ws');
  const http = await import('node:http');
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (servePage(path, res)) return;
    if (path !== '/v1/logs' && path !== '/v1/gaps') return res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>not here</h1>');
    const body = JSON.stringify(path === '/v1/gaps' ? { gaps: [] } : { records, next: null });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  const sockets = new WebSocketServer({ server, path: '/v1/tail' });
  sockets.on('connection', (ws) => { for (const m of messages) ws.send(m); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => {
      for (const ws of sockets.clients) ws.terminate();
      sockets.close();
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/**
 * `redtail serve` as a child process on a temporary data folder, with a config file of `config`
 * (the file's field names: { limits: { tail_queue_bytes: … } }); a retention and a clock skew
 * that take the tests' fixed dates unless it sets its own.
 */
export async function collectorProcess(config: Record<string, unknown> = {}): Promise<{ child: ChildProcess; url: string; stderr: string[]; stop(): Promise<void> }> {
  const tmp = tempDir();
  const file = join(tmp.dir, 'config.json');
  const limits = { max_clock_skew_ms: WIDE_SKEW_MS, ...(config.limits as object | undefined) };
  writeFileSync(file, JSON.stringify({ retention_days: 3650, ...config, limits }));
  const started = await spawnRedtail(['serve', '--port', '0', '--data', join(tmp.dir, 'data'), '--config', file]);
  return {
    ...started,
    stop: async () => {
      const done = exited(started.child);
      started.child.kill('SIGKILL');
      await done;
      tmp.remove();
    },
  };
}

/** A process's resident memory in bytes, now and the most it has had so far (Linux: /proc/<pid>/status). */
export function residentMemory(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const bytes = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { now: bytes('VmRSS'), peak: bytes('VmHWM') };
}

export const MiB = 1024 * 1024;

/** A MiB of spaces, to send as the bytes of a body or message without making each anew. */
export const SPACES = Buffer.alloc(MiB, 0x20);

/** Write n spaces. */
export function writeSpaces(to: { write(b: Buffer): unknown }, n: number): void {
  for (let at = 0; at < n; at += SPACES.length) to.write(SPACES.subarray(0, Math.min(SPACES.length, n - at)));
}

/**
 * A POST to /v1/ingest that declares `declared` bytes of body and sends `sent` of them now; `more`
 * sends more, `cut` drops the connection; `done` is the answer, when one comes.
 */
export function upload(url: string, declared: number, sent: number, id: string): { more(n: number): void; done: Promise<{ status: number; json: Record<string, unknown> }>; cut(): void } {
  const { port } = new URL(url);
  const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/ingest', headers: { 'content-type': 'application/x-ndjson', 'content-length': declared, 'x-redtail-batch': id } });
  const done = new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
  });
  done.catch(() => {}); // a connection cut on purpose: whoever awaits `done` still sees it fail
  writeSpaces(req, sent);
  return { more: (n) => writeSpaces(req, n), done, cut: () => req.destroy() };
}

/** Build a store's free-text index in process, as the collector's worker does, for about `budgetMs`; true when blocks remain. */
export function indexWords(store: Store, budgetMs: number): boolean {
  const words = new WordsCatchUp(store.dir);
  try {
    return words.indexUntil(performance.now() + budgetMs);
  } finally {
    words.close();
  }
}

/** What `look` finds once it finds something, looked for every few milliseconds; fails naming `what` if it never does. */
export async function until<T>(look: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string, { timeoutMs = 60_000 } = {}): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = await look();
    if (found !== undefined && found !== null && found !== false) return found;
    if (Date.now() > end) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
