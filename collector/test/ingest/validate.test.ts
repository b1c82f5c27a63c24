import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchError, parseBatch } from '../../src/ingest/validate.js';
import { ndjson, record } from '../helpers.js';

const limits = { maxRecordBytes: 16384, maxRecords: 100 };

test('NDJSON and JSON arrays are both accepted; gap notices are kept apart', () => {
  const gap = { gap: { dropped: 3, since: '2026-11-27T10:00:00.000Z', until: '2026-11-27T10:00:01.000Z', source: 's-1', reason: 'buffer full' } };
  const a = parseBatch(ndjson([gap, record(), record({ response_code: 503 })]), limits);
  assert.equal(a.rows.length, 2);
  assert.deepEqual(a.gaps, [{ dropped: 3, since: Date.parse(gap.gap.since), until: Date.parse(gap.gap.until), source: 's-1', reason: 'buffer full' }]);
  assert.equal(a.rows[1]!.status, 503);
  const b = parseBatch(JSON.stringify([record(), record()]), limits);
  assert.equal(b.rows.length, 2);
  assert.equal(parseBatch('\r\n\n' + JSON.stringify(record()) + '\r\n', limits).rows.length, 1, 'CRLF and blank lines are fine');
});

test('every kind of bad line is refused with its line, field and what was expected', () => {
  const cases: [string, RegExp][] = [
    [ndjson([record()]) + '{not json}\n', /^line 2: must be one JSON object per line, got /],
    [ndjson([record(), [1, 2]]), /^line 2: must be a JSON object, got \[1,2\]/],
    [ndjson([record({ start_time: 'yesterday' })]), /^line 1: "start_time" must be an ISO 8601 time .*, got "yesterday"/],
    [ndjson([record({ response_code: '200' })]), /^line 1: "response_code" must be an integer from 0 to 999, got "200"/],
    [ndjson([record({ response_code: 1000 })]), /"response_code" must be an integer from 0 to 999, got 1000/],
    [ndjson([record({ method: 7 })]), /"method" must be a string of at most 32 characters, got 7/],
    [ndjson([record({ path: 'x'.repeat(9000) })]), /"path" must be a string of at most 8192 characters/],
    [ndjson([record({ bytes_sent: -1 })]), /"bytes_sent" must be a non-negative integer, got -1/],
    [ndjson([record({ request_headers: 'a' })]), /"request_headers" must be an object/],
    [ndjson([{ gap: { dropped: 'many' } }]), /"gap.dropped" must be a non-negative integer/],
    [ndjson([record({ request_body: 'x'.repeat(20000) })]), /^line 1: must be a record of at most 16384 bytes/],
    [ndjson(Array.from({ length: 101 }, () => record())), /^line 101: must be at most 100 records in a batch/],
    ['[1,', /^line 1: must be a JSON array of records \(or NDJSON\)/],
  ];
  for (const [body, expected] of cases) {
    assert.throws(() => parseBatch(body, limits), (err: unknown) => err instanceof BatchError && expected.test(err.message), `for ${body.slice(0, 80)}`);
  }
});

/** Whether the date of an ISO time is a day of its month: Date.UTC rolls a day past the month's end into the next. */
const dayExists = (t: string): boolean => {
  const [y, m, d] = [Number(t.slice(0, 4)), Number(t.slice(5, 7)), Number(t.slice(8, 10))];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;
};

test('start_time read by hand means what Date.parse says it means, for every form it takes, except a day its month does not have', () => {
  const times = ['2026-11-27T23:59:59.123Z', '2026-02-30T00:00:00.000Z', '2026-11-31T12:00:00.000Z', '2024-02-29T00:00:00.000Z', '0099-11-27T23:59:59.123Z',
    '1970-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2026-11-27T24:00:00.000Z', '2026-11-27T23:59:59Z', '2026-11-27T23:59:59.1234Z',
    '2026-11-27T23:59:59.123+01:00'];
  let x = 12345;
  const rand = (n: number) => { x = (x * 1103515245 + 12345) % 2147483648; return x % n; };
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  for (let i = 0; i < 2000; i++) {
    times.push(`${pad(rand(10000), 4)}-${pad(rand(14), 2)}-${pad(rand(33), 2)}T${pad(rand(26), 2)}:${pad(rand(61), 2)}:${pad(rand(61), 2)}.${pad(rand(1000), 3)}Z`);
  }
  let refused = 0;
  for (const t of times) {
    let got: number;
    try {
      got = parseBatch(ndjson([record({ start_time: t })]), limits).rows[0]!.time;
    } catch (err) {
      if (!(err instanceof BatchError)) throw err;
      got = NaN;
      refused++;
    }
    // Refused exactly when Date.parse refuses, or the day is not one its month has (Date.parse rolls it on). NaN equals NaN here.
    assert.equal(got, dayExists(t) ? Date.parse(t) : NaN, t);
  }
  assert.ok(refused > 100 && refused < times.length - 100, 'the cases cover both');
});

test('given its bytes, an all-ASCII NDJSON batch gives each record a view of exactly its line', () => {
  const gap = { gap: { dropped: 1, since: '2026-11-27T10:00:00.000Z', until: '2026-11-27T10:00:01.000Z' } };
  const body = `${JSON.stringify(record({ path: '/a' }))}\r\n\n${JSON.stringify(gap)}\n  ${JSON.stringify(record({ path: '/b' }))}\n`;
  const { rows } = parseBatch(body, limits, Buffer.from(body));
  assert.deepEqual(rows.map((r) => r.bytes!.toString('utf8', r.start, r.end)), rows.map((r) => r.json));
  assert.equal(rows.length, 2);
  const wide = ndjson([record({ path: '/é' }), record()]);
  assert.ok(parseBatch(wide, limits, Buffer.from(wide)).rows.every((r) => r.bytes === undefined), 'not ASCII: no views');
});
