// Queries against a brute-force reading of the same records: many batches over three days,
// blocks of every size, every filter, and pages followed to the end must give exactly the records
// a plain filter-and-sort gives, in the same order. The indexes narrow; they must never lose one,
// whether a block's words are indexed yet or not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOCK } from '../../src/store/blocks.js';
import { type Filters, holdsText, parseStatus } from '../../src/query/filters.js';
import { query } from '../../src/query/query.js';
import { Store } from '../../src/store/store.js';
import { parseBatch } from '../../src/ingest/validate.js';
import { indexWords, ndjson, record, tempDir } from '../helpers.js';

/** A small deterministic random source, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => ((seed = Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5 | 0) >>> 0) / 2 ** 32;
}

const SERVICES = ['orders', 'billing', 'search', 'órdenes', 'a.b-c_d'];
const PATHS = ['/api/orders/17', '/api/order-items', '/v1/search?q=café', '/healthz', '/API/Orders'];

function dataset(seed: number) {
  const rnd = random(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const base = Date.parse('2026-11-25T22:00:00Z');
  const all: Record<string, unknown>[] = [];
  const batches: string[] = [];
  let n = 0;
  // Batch sizes around the block size, so blocks are full, partial and single.
  for (const size of [1, 3, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 5, 40, 700, 7, 300]) {
    const records = Array.from({ length: size }, () => record({
      start_time: new Date(base + Math.floor(rnd() * 2.5 * 86_400_000)).toISOString(),
      service: pick(SERVICES), namespace: pick(['shop', 'ops']), method: pick(['GET', 'POST', 'DELETE']),
      response_code: pick([200, 201, 302, 404, 500, 503]), path: pick(PATHS), authority: pick(['shop', 'api.example.com']),
      request_id: `req-${n++}`, trace_id: rnd() < 0.5 ? `${(n % 7).toString(16).padStart(32, '0')}` : undefined,
      user_agent: pick(['curl/8.5.0', 'Mozilla/5.0 (X11; Linux x86_64)', 'during-restart probe']),
    }));
    all.push(...records);
    batches.push(ndjson(records));
  }
  return { all, batches };
}

/** The text in the JSON, where a word starts if the text starts with a letter or digit. */
function atWordStart(json: string, text: string): boolean {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return /^[\p{L}\p{N}]/u.test(text) ? new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}`, 'u').test(json) : json.includes(text);
}

/** The answer by hand: filter, then newest first (ties in the order they were stored, newest first). */
function bruteForce(all: Record<string, unknown>[], f: Filters): string[] {
  const [lo, hi] = f.status ? parseStatus(f.status) : [0, 999];
  return all
    .map((r, i) => ({ r, i, t: Date.parse(String(r.start_time)) }))
    .filter(({ r, t }) => (f.service === undefined || r.service === f.service) && (f.namespace === undefined || r.namespace === f.namespace)
      && (f.method === undefined || r.method === f.method.toUpperCase()) && (f.authority === undefined || r.authority === f.authority)
      && (f.request_id === undefined || r.request_id === f.request_id) && (f.trace_id === undefined || r.trace_id === f.trace_id)
      && (r.response_code as number) >= lo && (r.response_code as number) <= hi
      && (f.path === undefined || String(r.path).startsWith(f.path)) && (f.text === undefined || atWordStart(JSON.stringify(r), f.text))
      && (f.since === undefined || t >= Date.parse(f.since)) && (f.until === undefined || t < Date.parse(f.until)))
    .sort((a, b) => b.t - a.t || b.i - a.i)
    .map(({ r }) => String(r.request_id));
}

function allPages(store: Store, f: Filters): string[] {
  const out: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = query(store, { ...f, cursor });
    out.push(...page.records.map((r) => String(r.request_id)));
    if (page.next === null) return out;
    cursor = page.next;
  }
  throw new Error('pages never ended');
}

test('every filter, paged to the end, gives exactly what a brute-force reading gives, in order', () => {
  const tmp = tempDir();
  const store = new Store(tmp.dir);
  const { all, batches } = dataset(7);
  batches.forEach((body, k) => {
    const p = parseBatch(body, { maxRecords: 100_000, maxRecordBytes: 1 << 20 });
    store.write(`t/${k}`, p.rows, p.gaps);
    // Half the blocks in the free-text index, half not yet: a query must find records in both.
    if (k === batches.length / 2) assert.equal(indexWords(store, 60_000), false);
  });
  assert.ok(store.list().length >= 3, 'the records span several shards');
  const cases: Filters[] = [
    {}, { service: 'orders' }, { service: 'órdenes' }, { service: 'a.b-c_d' }, { namespace: 'ops', method: 'post' },
    { status: '5xx' }, { status: '404' }, { status: '200-302' }, { status: '500', service: 'billing' },
    { path: '/api/order' }, { path: '/api/orders/' }, { path: '/API' }, { path: '/v1/search?q=caf' }, { authority: 'api.example.com' },
    { request_id: 'req-300' }, { request_id: 'req-nope' }, { trace_id: '00000000000000000000000000000003' },
    { text: 'during-restart' }, { text: 'Linux x86' }, { text: 'café' }, { text: 'nothing-like-this' }, { text: 'uring-restart' }, { text: 'inux' },
    { text: '(X11' },
    { since: '2026-11-26T12:00:00Z', until: '2026-11-27T01:00:00Z' }, { since: '2026-11-27T00:00:00Z', status: '5xx', service: 'search' },
  ];
  for (const f of cases) {
    for (const limit of [5, 100, 1000]) {
      assert.deepEqual(allPages(store, { ...f, limit }), bruteForce(all, f), `${JSON.stringify(f)} with limit ${limit}`);
    }
  }
  store.close();
  tmp.remove();
});

test('blocks read newest id first still give the newest records when an older block holds newer ones', () => {
  // Block 1 newest, block 2 oldest, block 3 between: with a page of one, block 2 alone is older
  // than what block 3 gave, but block 1, before it, is newer still.
  const tmp = tempDir();
  const store = new Store(tmp.dir);
  const at = (s: number) => new Date(Date.parse('2026-11-25T12:00:00Z') + s * 1000).toISOString();
  [[10, 'a'], [-5, 'b'], [0, 'c']].forEach(([s, id], k) => {
    const p = parseBatch(ndjson([record({ start_time: at(s as number), request_id: `skew-${id}`, user_agent: 'skewed clock' })]), { maxRecords: 10, maxRecordBytes: 1 << 20 });
    store.write(`skew/${k}`, p.rows, p.gaps);
  });
  assert.equal(indexWords(store, 60_000), false);
  for (const f of [{ text: 'skewed' }, { request_id: 'skew-a' }, { service: 'orders' }, {}]) {
    assert.deepEqual(query(store, { ...f, limit: 1 }).records.map((r) => r.request_id), ['skew-a'], JSON.stringify(f));
  }
  assert.deepEqual(allPages(store, { text: 'skewed', limit: 1 }), ['skew-a', 'skew-c', 'skew-b']);
  store.close();
  tmp.remove();
});

test('free text is found where a word starts, as the word index can find it', () => {
  const line = '{"request_id":"during-0","user_agent":"Mozilla/5.0 (X11)"}';
  assert.equal(holdsText(line, 'during'), true);
  assert.equal(holdsText(line, 'during-0'), true);
  assert.equal(holdsText(line, 'uring'), false, 'inside a word');
  assert.equal(holdsText(line, '-0'), true, 'a text starting with a symbol is found anywhere');
  assert.equal(holdsText(line, '(X11'), true);
  assert.equal(holdsText(line, 'X11'), true, 'after a symbol is a word start');
  assert.equal(holdsText(line, 'During'), false, 'exact text: case matters');
  assert.equal(holdsText('{"a":"ba ab"}', 'ab'), true, 'a later occurrence at a word start counts');
});
