// The one predicate query and tail share (query/filters.ts): for a filter on each field the
// schema lets people filter by, and for free text, a live tail shows exactly the records a query
// finds, through a real collector.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { FILTERED } from '../../src/record/schema.js';
import { collector, get, ndjson, post, record } from '../helpers.js';

const RECORDS = [
  record({ request_id: 'a', service: 'orders', namespace: 'shop', workload: 'orders-v1', method: 'GET', authority: 'shop', path: '/api/orders/7', response_code: 200, trace_id: '0af7651916cd43dd8448eb211c80319c' }),
  record({ request_id: 'b', service: 'orders', namespace: 'shop', workload: 'orders-v2', method: 'POST', authority: 'shop', path: '/api/orders', response_code: 503, user_agent: 'Lynx/2.9' }),
  record({ request_id: 'c', service: 'billing', namespace: 'pay', workload: 'billing-v1', method: 'POST', authority: 'pay.example', path: '/apiary', response_code: 404 }),
  record({ request_id: 'd', service: 'billing', namespace: 'pay', method: 'DELETE', path: '/API/orders', response_code: 500, user_agent: 'curl Lynx' }),
];

/** A query string per case: each filtered field of the schema, some twice, and free text. */
const CASES = [
  'service=orders', 'namespace=pay', 'workload=orders-v2', 'status=5xx', 'status=404', 'status=200-404', 'method=post', 'authority=pay.example',
  'path=/api/orders', 'path=/api', 'request_id=c', 'trace_id=0af7651916cd43dd8448eb211c80319c', 'q=Lynx', 'service=billing&status=5xx&method=delete',
];

test('for every field people filter by, and free text, a live tail shows exactly what a query finds', async () => {
  // Every filter of the schema is among the cases, so a new one cannot go untried.
  for (const f of FILTERED) assert.ok(CASES.some((c) => c.split('&').some((p) => p.startsWith(`${f.filter.param}=`))), `no case filters by ${f.filter.param}`);
  const c = await collector();
  try {
    const tails = await Promise.all(CASES.map((q) => new Promise<{ ws: WebSocket; seen: string[] }>((resolve, reject) => {
      const ws = new WebSocket(`${c.url.replace('http', 'ws')}/v1/tail?${q}`);
      const seen: string[] = [];
      ws.on('message', (data) => { for (const line of String(data).split('\n')) seen.push((JSON.parse(line) as { request_id: string }).request_id); });
      ws.once('open', () => resolve({ ws, seen }));
      ws.once('error', reject);
    })));
    assert.equal((await post(c.url, ndjson(RECORDS), { 'x-redtail-batch': 'f/1' })).status, 200);
    for (let i = 0; i < CASES.length; i++) {
      const found = (await get(c.url, `/v1/logs?${CASES[i]}`)).json as { records: { request_id: string }[] };
      const queried = found.records.map((r) => r.request_id).sort();
      assert.ok(queried.length > 0 && queried.length < RECORDS.length, `${CASES[i]}: a case that tells matching records from the rest`);
      // The tail's frames were written before the batch was answered: wait for as many to be read.
      const t0 = Date.now();
      while (tails[i]!.seen.length < queried.length) {
        if (Date.now() - t0 > 5000) throw new Error(`${CASES[i]}: the tail got ${tails[i]!.seen.join(', ') || 'nothing'}, the query found ${queried.join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.deepEqual([...tails[i]!.seen].sort(), queried, `${CASES[i]}: the tail and the query disagree`);
    }
    for (const t of tails) t.ws.close();
  } finally {
    await c.stop();
  }
});
