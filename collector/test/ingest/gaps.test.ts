// The collector attacked as a compromised sidecar holding the ingest token would: each finding of
// the attack on the hardening (issue 13) as a test. A finding not yet fixed is marked todo, with
// what its fix needs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { collector, post } from '../helpers.js';

/** One WebSocket message to /v1/stream, and the collector's answer to it. */
async function streamed(url: string, message: string): Promise<Record<string, unknown>> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/stream`);
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  const answer = new Promise<Record<string, unknown>>((r) => ws.once('message', (m) => r(JSON.parse(String(m)) as Record<string, unknown>)));
  ws.send(message);
  const got = await answer;
  ws.close();
  return got;
}

test('a gap notice\'s "dropped" must be a count a number holds exactly: 1e300 and 2^64 are refused, over HTTP and WebSocket', async (t) => {
  const c = await collector();
  t.after(() => c.stop());
  const gap = (dropped: string) => `{"gap":{"dropped":${dropped},"since":"2026-11-27T10:00:00Z","until":"2026-11-27T10:00:01Z","source":"s"}}`;
  for (const dropped of ['1e300', '18446744073709551616']) {
    const http = await post(c.url, `${gap(dropped)}\n`, { 'x-redtail-batch': `gap-h/${dropped}` });
    assert.equal(http.status, 400, JSON.stringify(http.json));
    assert.equal(http.json.field, 'gap.dropped');
    const ws = await streamed(c.url, `{"batch":"gap-w/${dropped}","records":[${gap(dropped)}]}`);
    assert.equal(ws.field, 'gap.dropped', JSON.stringify(ws));
  }
  const gaps = (await (await fetch(`${c.url}/v1/gaps`)).json()) as { gaps: unknown[] };
  assert.deepEqual(gaps.gaps, [], 'nothing of them stored');
});
