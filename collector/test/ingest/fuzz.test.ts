// A fuzz test of ingest against `redtail serve` as a child process. Batches of odd but valid
// JSON (white space everywhere, unicode escapes, huge strings, nulls, duplicate keys, unknown
// fields, deep nesting, records and batches near every limit, times in every form), batches
// with one planted fault (a wrong type, too deep, too long, too many, out of time bounds), and
// mutated batches go in over HTTP (NDJSON and JSON arrays) and WebSocket, while a live tail
// watches. Then: the process never died; every batch answered 200 stored what JSON.parse says
// it holds, every refusal was a 4xx (or a close with a reason) naming the line and field; every
// acknowledged record is found by its request_id exactly as often as it was sent, and after a
// restart every one is still there. Seeded: REDTAIL_FUZZ_SEED=<seed> replays a run; a failure
// says its seed.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import WebSocket from 'ws';
import { exited, spawnRedtail, tempDir } from '../helpers.js';

const SEED = Number(process.env.REDTAIL_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const BATCHES = 240;
const HOUR = 3_600_000;
// The collector's limits in this run, small enough to reach; a clock skew of four days, as valid
// records are up to three days old, over several shards.
const LIMITS = { max_body_bytes: 256 * 1024, max_record_bytes: 48 * 1024, max_records: 50, max_depth: 8, max_clock_skew_ms: 4 * 24 * HOUR };

type Rnd = () => number;
function random(seed: number): Rnd {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const chance = (rnd: Rnd, p: number) => rnd() < p;

/** JSON written oddly: white space between tokens, characters escaped that need not be. */
class Writer {
  constructor(private readonly rnd: Rnd, private readonly spaces: string[], private readonly spaceRate: number, private readonly escapeRate: number) {}

  private space(): string {
    return chance(this.rnd, this.spaceRate) ? pick(this.rnd, this.spaces) : '';
  }

  string(s: string): string {
    // Long strings plainly: escapes would take a record near its byte limit past it (the limit counts the text as sent).
    if (s.length > 1000) return JSON.stringify(s);
    let out = '"';
    for (const ch of s) {
      const code = ch.codePointAt(0)!;
      if (ch === '"' || ch === '\\' || code < 0x20) out += code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : `\\${ch}`;
      else if (ch === '/' && chance(this.rnd, this.escapeRate)) out += '\\/';
      else if (chance(this.rnd, this.escapeRate)) {
        // Both halves of a pair escaped, as JSON spells a character outside the BMP.
        for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
      } else out += ch;
    }
    return `${out}"`;
  }

  value(v: unknown): string {
    if (v === BOMB) return BOMB_TEXT;
    const s = () => this.space();
    if (typeof v === 'string') return this.string(v);
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    if (Array.isArray(v)) return `[${s()}${v.map((x) => this.value(x)).join(`${s()},${s()}`)}${s()}]`;
    return `{${s()}${Object.entries(v).map(([k, x]) => `${this.string(k)}${s()}:${s()}${this.value(x)}`).join(`${s()},${s()}`)}${s()}}`;
  }
}

/** A time `ago` ms before now in one of the forms the collector takes (an offset, no fraction, more digits). */
function timeText(rnd: Rnd, ago: number): string {
  const ms = Date.now() - ago;
  const iso = new Date(ms).toISOString();
  switch (Math.floor(rnd() * 5)) {
    case 0: {
      const offset = pick(rnd, [-(23 * 60 + 59), -330, 0, 60, 545, 23 * 60 + 59]);
      const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
      const abs = Math.abs(offset);
      return `${local}${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    }
    case 1: return iso.replace(/\.\d+Z$/, 'Z');
    case 2: return iso.replace('Z', '123Z');
    default: return iso;
  }
}

const WORDS = ['orders', 'caf\u00e9', '\u6771\u4eac', '\u{1f600}', 'line\u2028sep', 'c1\u0085', 'tab\tnl\nq"', 'slash/back\\', 'nul\u0000', '<script>'];

/** A planted fault: the field it is in, and how to make the record break the rule. */
const FAULTS: { field: string; apply(r: Record<string, unknown>): void }[] = [
  { field: 'response_code', apply: (r) => { r.response_code = '200'; } },
  { field: 'bytes_sent', apply: (r) => { r.bytes_sent = -1; } },
  { field: 'method', apply: (r) => { r.method = 5; } },
  { field: 'request_headers', apply: (r) => { r.request_headers = [1]; } },
  { field: 'path', apply: (r) => { r.path = `/${'p'.repeat(8192)}`; } },
  { field: 'start_time', apply: (r) => { r.start_time = '9999-12-31T23:59:59-23:59'; } },
  { field: 'start_time', apply: (r) => { r.start_time = new Date(Date.now() - 40 * 24 * HOUR).toISOString(); } },
  { field: 'start_time', apply: (r) => { r.start_time = new Date(Date.now() + 5 * 24 * HOUR).toISOString(); } },
  { field: 'start_time', apply: (r) => { r.start_time = new Date(Date.now() - 5 * 24 * HOUR).toISOString(); } },
  { field: 'x_deep', apply: (r) => { r.x_deep = nested(LIMITS.max_depth + 1); } },
  { field: 'x_deep', apply: (r) => { r.x_deep = BOMB; } },
  { field: '', apply: (r) => { r.request_body = 'b'.repeat(LIMITS.max_record_bytes + 500); } },
];

/** A value 20,000 deep with an escape at the bottom, written as text (writing it would overflow the stack here too). */
const BOMB = Symbol('20,000 deep');
const BOMB_TEXT = `${'['.repeat(20_000)}"\\n"${']'.repeat(20_000)}`;

/** A value that takes `levels` levels below a record's field (so the record is levels + 1 deep), an escape at the bottom. */
function nested(levels: number): unknown {
  let v: unknown = 'bottom\n';
  for (let i = 1; i < levels; i++) v = i % 2 ? [v] : { k: v };
  return v;
}

/** A record, valid but odd in random ways. */
function oddRecord(rnd: Rnd, id: string): Record<string, unknown> {
  const r: Record<string, unknown> = {
    start_time: timeText(rnd, Math.floor(rnd() * 3 * 24 * HOUR)), method: pick(rnd, ['GET', 'POST', 'DELETE']), path: `/api/${pick(rnd, WORDS)}`,
    protocol: 'HTTP/1.1', response_code: pick(rnd, [200, 204, 404, 503, 0]), response_flags: '-', bytes_received: 0,
    bytes_sent: Math.floor(rnd() * 10_000), duration: Math.floor(rnd() * 500), request_id: id, authority: 'shop',
    service: pick(rnd, ['orders', 'billing', '\u6771\u4eac']), namespace: 'shop', user_agent: pick(rnd, ['curl/8', 'Mozilla/5.0', WORDS.join(' ')]),
    request_headers: { 'content-type': 'application/json' },
  };
  for (const f of ['x_forwarded_for', 'requested_server_name', 'upstream_host', 'trace_id', 'request_headers', 'duration']) if (chance(rnd, 0.1)) r[f] = null;
  if (chance(rnd, 0.15)) r.x_unknown = pick(rnd, [null, 1.5e300, -0, [], {}, [1, [2, [3]]], { a: { b: null } }, WORDS, nested(LIMITS.max_depth - 1)]);
  // At most one string near a limit: the path's, the user agent's, or the record's bytes (below
  // it whatever the odd writing of the rest adds).
  const big = rnd();
  if (big < 0.05) r.path = `/${'q'.repeat(8191)}`;
  else if (big < 0.1) r.user_agent = 'u'.repeat(2048);
  else if (big < 0.14) r.request_body = 'B'.repeat(LIMITS.max_record_bytes - 3000);
  return r;
}

interface Planned {
  transport: 'ndjson' | 'array' | 'stream';
  batch: string;
  text: string;
  /** The field of a planted fault (the batch must be refused, naming it), or undefined. */
  fault?: string;
  mutated: boolean;
}

function planBatch(rnd: Rnd, n: number): Planned {
  const transport = pick(rnd, ['ndjson', 'array', 'stream'] as const);
  const batch = `fuzz-${SEED}/${n}`;
  const count = chance(rnd, 0.05) ? pick(rnd, [LIMITS.max_records, LIMITS.max_records + 1]) : 1 + Math.floor(rnd() * 12);
  const records: unknown[] = Array.from({ length: count }, (_, j) => oddRecord(rnd, chance(rnd, 0.02) ? `dup-${SEED}-${n}` : `id-${SEED}-${n}-${j}`));
  // A gap notice counts against max_records too.
  if (count < LIMITS.max_records && chance(rnd, 0.08)) records.splice(Math.floor(rnd() * records.length), 0, { gap: { dropped: 3, since: timeText(rnd, 2 * HOUR), until: timeText(rnd, HOUR), source: pick(rnd, WORDS), reason: null } });
  let fault = count > LIMITS.max_records ? '' : undefined;
  if (fault === undefined && chance(rnd, 0.15)) {
    const f = pick(rnd, FAULTS);
    const target = records.find((r) => !('gap' in (r as object))) as Record<string, unknown>;
    // Alone in its record: a string near a limit beside it could be refused first, for its size.
    delete target.request_body;
    Object.assign(target, { path: '/p', user_agent: 'curl/8' });
    f.apply(target);
    fault = f.field;
  }
  // NDJSON: a line break ends a record, so only other white space goes inside one.
  const writer = new Writer(rnd, transport === 'ndjson' ? [' ', '\t', '\r', '  '] : [' ', '\t', '\r', '\n', '\r\n'], chance(rnd, 0.3) ? 0.3 : 0.02, chance(rnd, 0.3) ? 0.2 : 0);
  const texts = records.map((r) => {
    let t = writer.value(r);
    // A key given twice: the first is a decoy, the last counts (as JSON.parse reads it).
    if (chance(rnd, 0.05) && t.startsWith('{')) t = `{"request_id":"decoy","response_code":"decoy",${t.slice(1)}`;
    return t;
  });
  let text = transport === 'ndjson'
    ? texts.map((t) => (chance(rnd, 0.05) ? `\n${t}` : t)).join(chance(rnd, 0.3) ? '\r\n' : '\n') + '\n'
    : transport === 'array' ? `[${texts.join(',')}]` : `{"batch":${JSON.stringify(batch)},"records":[${texts.join(',')}]}`;
  const mutated = chance(rnd, 0.2);
  if (mutated) for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) text = mutate(rnd, text);
  return { transport, batch, text, fault: mutated ? undefined : fault, mutated };
}

function mutate(rnd: Rnd, text: string): string {
  const at = Math.floor(rnd() * text.length);
  const bytes = ['"', '{', '}', ',', ':', '[', ']', '\\', ' ', '\n', 'x', '1', 'null', '\u0001', '\u00e9', '\\u0000', '-'];
  switch (Math.floor(rnd() * 4)) {
    case 0: return text.slice(0, at) + text.slice(at + 1);
    case 1: return text.slice(0, at) + pick(rnd, bytes) + text.slice(at);
    case 2: return text.slice(0, at) + pick(rnd, bytes) + text.slice(at + 1);
    default: return text.slice(0, at) + text.slice(at, at + 7) + text.slice(at);
  }
}

/** The request ids (JSON-encoded, null for none) of the records a batch holds, as JSON.parse reads it. */
function recordsIn(p: Planned): string[] {
  let items: unknown[];
  if (p.transport === 'ndjson') items = p.text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l.endsWith('\r') ? l.slice(0, -1) : l) as unknown);
  else if (p.transport === 'array') items = JSON.parse(p.text) as unknown[];
  else items = (JSON.parse(p.text) as { records: unknown[] }).records;
  return items.filter((r) => !('gap' in (r as object))).map((r) => JSON.stringify((r as { request_id?: unknown }).request_id ?? null));
}

/** One WebSocket producer: each message's answer, or how the socket closed. */
class Producer {
  private ws: WebSocket | undefined;
  constructor(private readonly url: string) {}

  async send(text: string): Promise<{ answer?: Record<string, unknown>; closed?: { code: number; reason: string } }> {
    if (this.ws === undefined) {
      const ws = new WebSocket(`${this.url.replace('http', 'ws')}/v1/stream`);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      this.ws = ws;
    }
    const ws = this.ws;
    return new Promise((resolve) => {
      const onMessage = (d: WebSocket.RawData) => { ws.off('close', onClose); resolve({ answer: JSON.parse(String(d)) as Record<string, unknown> }); };
      const onClose = (code: number, reason: Buffer) => { ws.off('message', onMessage); this.ws = undefined; resolve({ closed: { code, reason: String(reason) } }); };
      ws.once('message', onMessage);
      ws.once('close', onClose);
      ws.send(text);
    });
  }

  close(): void {
    this.ws?.close();
  }
}

const running = new Set<ChildProcess>();
after(() => { for (const child of running) child.kill('SIGKILL'); });

test(`fuzz: mutated and odd batches over HTTP and WebSocket never kill the collector, and every acknowledged record is readable (seed ${SEED})`, async (t) => {
  t.diagnostic(`seed ${SEED}: replay with REDTAIL_FUZZ_SEED=${SEED}`);
  try {
    t.diagnostic(`batches: ${JSON.stringify(await fuzz())}`);
  } catch (err) {
    throw new Error(`fuzz seed ${SEED} (replay with REDTAIL_FUZZ_SEED=${SEED}): ${(err as Error).message}`, { cause: err });
  }
});

/** The run; what the batches came to. */
async function fuzz(): Promise<Record<string, number>> {
  const rnd = random(SEED);
  const tmp = tempDir();
  const config = join(tmp.dir, 'config.json');
  writeFileSync(config, JSON.stringify({ retention_days: 30, limits: LIMITS }));
  const serve = async () => {
    const c = await spawnRedtail(['serve', '--port', '0', '--data', join(tmp.dir, 'data'), '--config', config]);
    running.add(c.child);
    return c;
  };
  let c = await serve();
  // A live tail watches everything: each line it gets must be a record or a drop notice.
  const tail = new WebSocket(`${c.url.replace('http', 'ws')}/v1/tail`);
  let tailed = 0;
  tail.on('message', (d) => {
    for (const line of String(d).split('\n')) {
      const r = JSON.parse(line) as Record<string, unknown>;
      assert.ok(typeof r === 'object' && r !== null && !Array.isArray(r), line);
      tailed += typeof r.dropped === 'number' && Object.keys(r).length === 1 ? r.dropped : 1;
    }
  });
  await new Promise((r) => tail.once('open', r));
  const producer = new Producer(c.url);
  /** Acknowledged records: how many times each request id (JSON-encoded) was stored. */
  const stored = new Map<string, number>();
  let acked = 0;
  const tally = { ok: 0, refused: 0, closed: 0 };
  for (let n = 0; n < BATCHES; n++) {
    const p = planBatch(rnd, n);
    const where = `batch ${n} (${p.transport}${p.mutated ? ', mutated' : ''}${p.fault !== undefined ? `, fault in "${p.fault}"` : ''}): ${JSON.stringify(p.text.slice(0, 300))}`;
    let ok: Record<string, unknown> | undefined;
    let said: unknown;
    if (p.transport === 'stream') {
      const { answer, closed } = await producer.send(p.text);
      said = answer ?? closed;
      if (closed) {
        // Not JSON, not a batch, or too big: refused with a close code and the reason.
        assert.ok([1007, 1008, 1009].includes(closed.code) && (closed.code === 1009 || closed.reason.length > 0), `${where}: closed ${JSON.stringify(closed)}`);
        assert.ok(p.mutated || Buffer.byteLength(p.text) > LIMITS.max_body_bytes, `${where}: a batch that is JSON closed the socket: ${JSON.stringify(closed)}`);
        tally.closed++;
        continue;
      }
      if (typeof answer!.ack === 'string') ok = answer;
      else {
        assert.ok(Number.isInteger(answer!.line) && (answer!.line as number) >= 1 && typeof answer!.field === 'string', `${where}: ${JSON.stringify(answer)}`);
        assert.notEqual(answer!.retry, true, `${where}: an internal error`);
        if (p.fault !== undefined) assert.equal(answer!.field, p.fault, `${where}: ${JSON.stringify(answer)}`);
        tally.refused++;
      }
    } else {
      const res = await fetch(`${c.url}/v1/ingest`, { method: 'POST', body: p.text, headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': p.batch } });
      const body = (await res.json()) as Record<string, unknown>;
      said = { status: res.status, ...body };
      if (res.status === 200) ok = body;
      else if (res.status === 413) {
        assert.ok(Buffer.byteLength(p.text) > LIMITS.max_body_bytes, `${where}: 413 for a body within the limit`);
        tally.refused++;
      } else {
        assert.equal(res.status, 400, `${where}: ${res.status} ${JSON.stringify(body)}`);
        assert.ok(Number.isInteger(body.line) && (body.line as number) >= 1 && typeof body.field === 'string', `${where}: ${JSON.stringify(body)}`);
        if (p.fault !== undefined) assert.equal(body.field, p.fault, `${where}: ${JSON.stringify(body)}`);
        tally.refused++;
      }
    }
    if (ok === undefined) {
      assert.ok(p.mutated || p.fault !== undefined || Buffer.byteLength(p.text) > LIMITS.max_body_bytes, `${where}: a valid batch was refused: ${JSON.stringify(said)}`);
      continue;
    }
    assert.equal(p.fault, undefined, `${where}: a batch with a planted fault was stored: ${JSON.stringify(said)}`);
    tally.ok++;
    if (ok.duplicate === true) continue;
    const ids = recordsIn(p);
    assert.equal(ok.stored, ids.length, `${where}: stored ${String(ok.stored)} of ${ids.length}`);
    acked += ids.length;
    for (const id of ids) stored.set(id, (stored.get(id) ?? 0) + 1);
  }
  producer.close();
  assert.equal(c.child.exitCode, null, 'the collector is still running');
  assert.ok(tally.ok > BATCHES / 3 && tally.refused > 10, `a mix of stored and refused batches: ${JSON.stringify(tally)}`);
  for (let k = 0; tailed < acked; k++) {
    assert.ok(k < 500, `the tail got ${tailed} of ${acked} records`);
    await new Promise((r) => setTimeout(r, 10));
  }
  tail.close();
  // Each acknowledged record, by its request id, as often as it was sent.
  for (const [id, count] of stored) {
    const value = JSON.parse(id) as unknown;
    if (typeof value !== 'string' || /[\ud800-\udfff]/u.test(value)) continue; // no id to ask for (none, or a lone surrogate): counted below
    const res = await fetch(`${c.url}/v1/logs?${new URLSearchParams({ request_id: value, limit: '1000' })}`);
    const found = ((await res.json()) as { records: unknown[] }).records;
    assert.equal(found.length, count, `request_id ${id}: found ${found.length} times, acknowledged ${count}`);
  }
  const everything = async () => {
    const seen = new Map<string, number>();
    let cursor: string | null = null;
    do {
      const res: Response = await fetch(`${c.url}/v1/logs?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      const page = (await res.json()) as { records: { request_id?: unknown }[]; next: string | null };
      for (const r of page.records) {
        const id = JSON.stringify(r.request_id ?? null);
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
      cursor = page.next;
    } while (cursor);
    return seen;
  };
  assert.deepEqual(await everything(), stored, 'every acknowledged record, and nothing else');
  const metrics = await (await fetch(`${c.url}/metrics`)).text();
  assert.match(metrics, /^redtail_unreadable_records_total 0$/m);
  assert.match(metrics, /^redtail_batches_rejected_total\{reason="unreadable"\} 0$/m);
  // A restart: everything is still there.
  const done = exited(c.child);
  c.child.kill('SIGTERM');
  assert.equal(await done, 0);
  c = await serve();
  assert.deepEqual(await everything(), stored, 'after a restart');
  const stop = exited(c.child);
  c.child.kill('SIGTERM');
  assert.equal(await stop, 0);
  tmp.remove();
  return { ...tally, records: acked };
}
