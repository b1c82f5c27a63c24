// redtail query and redtail tail as real child processes against a real collector.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { collector, garbledCollector, get, ndjson, post, record, until } from '../../collector/test/helpers.js';
import { DEFAULTS, FILTERED } from '../../collector/src/index.js';
import { BIN, run } from './redtail.js';

test('redtail query prints an aligned table, or NDJSON with --json, following pages; --gaps shows where the trail is incomplete', async () => {
  const c = await collector();
  await post(c.url, ndjson(Array.from({ length: 30 }, (_, i) => record({
    request_id: `q${i}`, start_time: `2026-11-27T10:00:${String(i).padStart(2, '0')}.000Z`, response_code: i % 10 === 0 ? 500 : 200, path: `/p/${i}\r\nX`,
  }))), { 'x-redtail-batch': 'q/1' });
  const table = await run(['query', '--url', c.url, '--limit', '25'], { env: { TZ: 'America/St_Johns' } });
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split('\n');
  assert.equal(lines.length, 25);
  assert.match(lines[0]!, /^2026-11-27 06:30:29\.000-03:30\s+200\s+GET\s+orders\s+3ms\s+shop\/p\/29\\r\\nX\s+q29$/, 'local time as TZ says, with its offset');
  const utc = await run(['query', '--url', c.url, '--limit', '1', '--utc'], { env: { TZ: 'America/St_Johns' } });
  assert.match(utc.stdout, /^2026-11-27 10:00:29\.000Z\s+200/);
  assert.equal(new Set(lines.map((l) => l.indexOf('GET'))).size, 1, 'columns line up');
  const errors = await run(['query', '--url', c.url, '--status', '5xx', '--json']);
  assert.deepEqual(errors.stdout.trim().split('\n').map((l) => JSON.parse(l).request_id), ['q20', 'q10', 'q0']);
  const bad = await run(['query', '--url', c.url, '--status', 'teapot']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /the collector answered 400: "status" must be a code/);
  await post(c.url, ndjson([{ gap: { dropped: 7, since: '2026-11-27T09:00:00Z', until: '2026-11-27T09:00:05Z', source: 'orders-v1', reason: 'buffer_full' } }]), { 'x-redtail-batch': 'q/2' });
  const gaps = await run(['query', '--url', c.url, '--gaps'], { env: { TZ: 'America/St_Johns' } });
  assert.equal(gaps.code, 0, gaps.stderr);
  assert.equal(gaps.stdout, '2026-11-27 05:30:00.000-03:30 .. 2026-11-27 05:30:05.000-03:30  7 lost  orders-v1  buffer_full\n');
  const none = await run(['query', '--url', c.url, '--gaps', '--since', '2026-11-28T00:00:00Z', '--json']);
  assert.equal(none.stdout, '');
  const usage = await run(['query', '--nope']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /unknown option --nope/);
  await c.stop();
});

test('redtail query --gaps shows batches that never arrived and silent sources, and pages past the collector\'s page size', async () => {
  const c = await collector({ sources: { ...DEFAULTS.sources, silentAfterMs: 200 } });
  try {
    const now = () => new Date().toISOString();
    const src = 'orders-v1-0123456789ab';
    for (const seq of [1, 4]) await post(c.url, ndjson([record({ start_time: now() })]), { 'x-redtail-batch': `${src}/${seq}` });
    const notices = Array.from({ length: 1005 }, (_, i) => ({ gap: { dropped: 1, since: new Date(Date.now() - 60_000 + i).toISOString(), until: now(), source: src, reason: 'buffer full' } }));
    await post(c.url, ndjson(notices)); // no batch id: only orders-v1 is a source that can fall silent
    await until(() => (c.logs.some((l) => l.event === 'source_silent' && l.identity === 'orders-v1') ? true : undefined), 'orders-v1 silent');
    const shown = await run(['query', '--url', c.url, '--gaps', '--limit', '1005', '--utc']);
    assert.equal(shown.code, 0, shown.stderr);
    const lines = shown.stdout.trim().split('\n');
    assert.match(lines[0]!, /^\S+ \S+Z \.\. \S+ \S+Z  2 batches missing  orders-v1-0123456789ab \(seq 2-3\)$/);
    assert.match(lines[1]!, /^\S+ \S+Z \.\. now  silent  orders-v1 \(still\)$/);
    assert.equal(lines.filter((l) => l.endsWith(' lost  orders-v1-0123456789ab  buffer full')).length, 1005, 'every notice, over two pages');
    const json = await run(['query', '--url', c.url, '--gaps', '--limit', '1', '--json']);
    const objects = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, { from_seq?: number; identity?: string }>);
    assert.equal(objects[0]!.missing!.from_seq, 2);
    assert.equal(objects[1]!.silence!.identity, 'orders-v1');
    assert.equal(objects.length, 3);
  } finally {
    await c.stop();
  }
});

test('each field the record\'s schema filters by is a flag of redtail query, which narrows as the collector\'s parameter does', async () => {
  const c = await collector();
  const one = { service: 'orders', namespace: 'shop', workload: 'orders-v1', response_code: 200, method: 'GET', authority: 'shop', path: '/a', request_id: 'one', trace_id: '0af7651916cd43dd8448eb211c80319c' };
  const other = { service: 'billing', namespace: 'pay', workload: 'billing-v1', response_code: 503, method: 'POST', authority: 'pay', path: '/b', request_id: 'other', trace_id: '1af7651916cd43dd8448eb211c80319c' };
  await post(c.url, ndjson([record(one), record(other)]), { 'x-redtail-batch': 'f/1' });
  await Promise.all(FILTERED.map(async (f) => {
    const value = String((other as Record<string, unknown>)[f.name]);
    const printed = await run(['query', '--url', c.url, '--json', `--${f.filter.param.replace(/_/g, '-')}`, value]);
    assert.equal(printed.code, 0, printed.stderr);
    const direct = (await get(c.url, `/v1/logs?${new URLSearchParams({ [f.filter.param]: value })}`)).json as { records: { request_id: string }[] };
    assert.deepEqual(printed.stdout.trim().split('\n').map((l) => JSON.parse(l).request_id), ['other'], f.filter.param);
    assert.deepEqual(direct.records.map((r) => r.request_id), ['other'], f.filter.param);
  }));
  await c.stop();
});

test('redtail tail streams matching records live, and reconnects on its own', async () => {
  const c = await collector();
  const child = spawn(process.execPath, [BIN, 'tail', '--url', c.url, '--status', '5xx', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const until = async (cond: () => boolean) => {
    const t0 = Date.now();
    while (!cond()) {
      if (Date.now() - t0 > 5000) throw new Error(`timed out; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await until(() => stderr.includes('connected'));
  await post(c.url, ndjson([record({ request_id: 'ok', response_code: 200 }), record({ request_id: 'boom', response_code: 502 })]), { 'x-redtail-batch': 't/1' });
  await until(() => stdout.includes('boom'));
  assert.deepEqual(stdout.trim().split('\n').map((l) => JSON.parse(l).request_id), ['boom']);
  // Drop the tail's connection: it says so and comes back by itself.
  c.tail.close();
  await until(() => /disconnected from .*; reconnecting in \d+ ms/.test(stderr));
  await until(() => stderr.split('connected to').length > 2);
  await post(c.url, ndjson([record({ request_id: 'again', response_code: 500 })]), { 'x-redtail-batch': 't/2' });
  await until(() => stdout.includes('again'));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
  await c.stop();
});

test('redtail query and redtail tail show a line that is not a record as unreadable, and go on', async (t) => {
  const good = JSON.stringify(record({ request_id: 'readable' }));
  const g = await garbledCollector([null, JSON.parse(good), 5], [`{"request_id":"cut",\n${good}`, `null\n\n${good.replace('readable', 'after')}`]);
  const q = await run(['query', '--url', g.url]);
  assert.equal(q.code, 0, q.stderr);
  const lines = q.stdout.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^\(unreadable, not a record: null\)$/);
  assert.match(lines[1]!, /GET\s+orders.*readable$/);
  assert.match(lines[2]!, /^\(unreadable, not a record: 5\)$/);
  const notJson = await run(['query', '--url', `${g.url}/elsewhere`]);
  assert.equal(notJson.code, 1);
  assert.match(notJson.stderr, /^redtail query: http:\/\/\S+\/elsewhere is not a redtail collector: it answered HTTP 404.*is --url right\?\n$/);

  for (const json of [false, true]) {
    const child = spawn(process.execPath, [BIN, 'tail', '--url', g.url, ...(json ? ['--json'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Killed whatever happens, so a failed assertion fails this test instead of holding the file open.
    t.after(() => child.kill('SIGKILL'));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // stdout and stderr are two pipes: what the tail wrote to one may arrive after the other.
    const skipped = () => stderr.match(/skipped a line that is not a record/g)?.length ?? 0;
    for (let n = 0; !stdout.includes('after') || (json && skipped() < 2); n++) {
      assert.ok(n < 500 && child.exitCode === null, `the tail went on to the last record; stderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const out = stdout.trim().split('\n');
    if (json) {
      assert.deepEqual(out.map((l) => JSON.parse(l).request_id), ['readable', 'after']);
      assert.equal(skipped(), 2, stderr);
    } else {
      assert.equal(out.length, 4);
      assert.match(out[0]!, /^\(unreadable, not a record: \{"request_id":"cut",\)$/);
      assert.match(out[1]!, /readable$/);
      assert.match(out[2]!, /^\(unreadable, not a record: null\)$/);
      assert.match(out[3]!, /after$/);
    }
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  }
  await g.close();
});

test('control characters in records and gap notices are printed as escapes by query, query --gaps and tail; --json stays exact', async () => {
  const c = await collector();
  // C0 (ESC sequences, BEL, a CR that would overwrite the line), DEL, C1 (CSI in one character, OSC) and a right-to-left override.
  const evil = {
    request_id: 'id-\u001b[2J\u001b]0;owned\u0007-\u009b31m-\u009d0;t\u009c-\u007f-\u202eexe.txt',
    service: 'svc\u001b[31m', method: 'G\u0085T', path: '/p\rX\u0000\u0008', authority: 'a\u001b', user_agent: '\u009b6n',
  };
  const child = spawn(process.execPath, [BIN, 'tail', '--url', c.url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tailed = '';
  let stderr = '';
  child.stdout.on('data', (d) => (tailed += d));
  child.stderr.on('data', (d) => (stderr += d));
  while (!stderr.includes('connected')) await new Promise((r) => setTimeout(r, 10));
  await post(c.url, ndjson([record({ ...evil, start_time: '2026-11-27T10:00:00.000Z' }),
    { gap: { dropped: 2, since: '2026-11-27T09:00:00Z', until: '2026-11-27T09:00:01Z', source: 'src\u001b[1A\u009b2K', reason: 'why\u0007\r' } }]), { 'x-redtail-batch': 'evil/1' });
  while (!tailed.includes('id-')) await new Promise((r) => setTimeout(r, 10));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  await exited;
  const table = await run(['query', '--url', c.url]);
  const gaps = await run(['query', '--url', c.url, '--gaps', '--utc']);
  // Nothing but printable text and the line ends.
  for (const out of [table.stdout, gaps.stdout, tailed]) assert.doesNotMatch(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/, JSON.stringify(out));
  const escaped = 'id-\\x1b[2J\\x1b]0;owned\\x07-\\x9b31m-\\x9d0;t\\x9c-\\x7f-\\u202eexe.txt';
  assert.ok(table.stdout.trim().endsWith(escaped), table.stdout);
  assert.ok(tailed.trim().endsWith(escaped), tailed);
  assert.match(tailed, /^! 2 records lost by src\\x1b\[1A\\x9b2K between /m, 'the collector\'s notice of the lost records, escaped too');
  assert.match(table.stdout, /G\\x85T\s+svc\\x1b\[31m\s+3ms\s+a\\x1b\/p\\rX\\x00\\x08/);
  assert.equal(gaps.stdout, '2026-11-27 09:00:00.000Z .. 2026-11-27 09:00:01.000Z  2 lost  src\\x1b[1A\\x9b2K  why\\x07\\r\n');
  // --json is exact: the values come back as they were sent.
  const json = await run(['query', '--url', c.url, '--json']);
  assert.deepEqual(pickOf(JSON.parse(json.stdout) as Record<string, unknown>, Object.keys(evil)), evil);
  const gapsJson = await run(['query', '--url', c.url, '--gaps', '--json']);
  assert.equal((JSON.parse(gapsJson.stdout) as { source: string }).source, 'src\u001b[1A\u009b2K');
  await c.stop();
});

const pickOf = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));

test('--since and --until without a zone are local time, as TZ sets it (as the table shows times); Z or an offset still count', async () => {
  const c = await collector();
  try {
    await post(c.url, ndjson([record({ request_id: 'at-0400Z', start_time: '2026-11-27T04:00:00.000Z' }), record({ request_id: 'at-0500Z', start_time: '2026-11-27T05:00:00.000Z' })]), { 'x-redtail-batch': 'tz/1' });
    // Kolkata is +05:30 all year: 10:00 there is 04:30Z, between the two records.
    const env = { TZ: 'Asia/Kolkata' };
    const ids = async (...args: string[]) => {
      const r = await run(['query', '--url', c.url, '--json', ...args], { env });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).request_id as string);
    };
    assert.deepEqual(await ids('--since', '2026-11-27T10:00'), ['at-0500Z']);
    assert.deepEqual(await ids('--since', '2026-11-27 10:00:00'), ['at-0500Z']);
    assert.deepEqual(await ids('--until', '2026-11-27T10:00'), ['at-0400Z']);
    assert.deepEqual(await ids('--since', '2026-11-27T04:30:00Z'), ['at-0500Z']);
    assert.deepEqual(await ids('--since', '2026-11-27T04:30:00+05:30'), ['at-0500Z', 'at-0400Z']);
    // A day alone is local midnight: 2026-11-27 in Kolkata began at 18:30Z the day before.
    assert.deepEqual(await ids('--until', '2026-11-27'), []);
    for (const never of ['2026-02-31T10:00', '2026-11-27T10:00:61']) {
      const bad = await run(['query', '--url', c.url, '--since', never], { env });
      assert.equal(bad.code, 2, never);
      assert.match(bad.stderr, /is not a time there was in this zone \(Asia\/(Kolkata|Calcutta)\)/);
    }
  } finally {
    await c.stop();
  }
});
