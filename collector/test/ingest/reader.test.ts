// The batch reader (reader.ts, build/reader.wasm) must agree with the general way (JSON.parse and
// validate.ts) on every batch it does not hand back: the same rows (fields, times, status, the
// record's JSON), the same gap notices, the same error. Generated batches mix plain records with
// every kind of oddity; mutated batches (bytes changed, dropped, doubled) must never be taken
// when JSON.parse refuses them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readLines, readMessage } from '../../src/ingest/reader.js';
import { messageItems } from '../../src/ingest/records.js';
import { BatchError, type Gap, type Limits, parseBatch, parseRecords, type Row } from '../../src/ingest/validate.js';

const LIMITS: Limits = { maxRecordBytes: 4096, maxRecords: 50, maxDepth: 5 };

function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

/** A record's JSON text, mostly plain, sometimes odd in one of many ways; `spaces` are the white space it may have between tokens. */
function recordText(rnd: () => number, i: number, spaces = [' ', '\t', '\r', '  ']): string {
  const any = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  // Mostly the first (plain, valid) value; one record in a few has something odd.
  const pick = <T>(xs: T[]) => (rnd() < 0.97 ? xs[0]! : any(xs));
  const fields: [string, string][] = [
    ['start_time', JSON.stringify(pick(['2026-11-27T23:59:59.123Z', '2026-02-30T10:00:00.000Z', '2024-02-29T00:00:00.999Z', '0100-01-01T00:00:00.000Z',
      '2026-11-27T23:59:59Z', '2026-11-27T23:59:59.123+01:00', '2026-13-01T00:00:00.000Z', '2026-11-27T24:00:00.000Z', '9999-12-31T23:59:59.999Z', 'yesterday']))],
    ['method', pick(['"GET"', '"POST"', '"get"', '"GE\\u0054"', '7', 'null', '"x"'])],
    ['path', pick(['"/api/v1/orders?page=2"', '"/a/b"', '"/caf\u00e9"', '"/q?x=\\"y\\""', `"/${'p'.repeat(8193)}"`, '""'])],
    ['response_code', pick(['200', '503', '0', '999', '1000', '-1', '2e2', '200.0', '"200"', '20'])],
    ['bytes_sent', pick(['0', '1024', '123456789012345', '1234567890123456', '-5', '1.5', '1e3', '"12"', 'true', 'null'])],
    ['service', pick(['"orders"', '"orders"', '"payments"', '"\u6771\u4eac"', 'null', '{}', `"${'s'.repeat(254)}"`])],
    ['namespace', pick(['"shop"', '"shop"', '"sh\\nop"'])],
    ['request_id', JSON.stringify(`req-${i}`)],
    ['trace_id', pick(['"4bf92f3577b34da6a3ce929d0e0e4736"', `"${'a'.repeat(33)}"`, '"short"'])],
    ['request_headers', pick(['{"content-type":"application/json"}', '{}', '[]', '"x"', '{"a":[1,{"b":null}],"c":false}', 'null'])],
    ['user_agent', pick(['"curl/8"', '"Mozilla/5.0 (X11)"', '"tab\\there"'])],
    ['authority', pick(['"orders.shop:8080"', '"orders.shop:8080"', '"other"'])],
  ];
  // Drop some, repeat some (the last one counts), add unknown keys, a gap notice now and then.
  const kept = fields.filter(() => rnd() > 0.04);
  if (rnd() < 0.1) kept.push(any(fields));
  if (rnd() < 0.1) kept.push(['extra', any(['1', '"x"', '[1,2,{"y":[]}]', 'null', 'true', '-0.5e-3', '{"a":{"b":{"c":{"d":1}}}}', '[[[[[1]]]]]', '[{"a":[{}]}]'])]);
  if (rnd() < 0.03) kept.push(['gap', any(['{"dropped":5,"since":"2026-11-27T23:00:00.000Z","until":"2026-11-27T23:01:00.000Z","source":"s","reason":"r"}', '{"dropped":-1}', 'null'])]);
  if (rnd() < 0.03) kept.push(['meth\\u006fd', '"PUT"']);
  // Mostly none; now and then a space; rarely other white space (the record is then written again to be stored).
  const space = () => (rnd() < 0.05 ? (rnd() < 0.8 ? ' ' : any(spaces)) : '');
  return `{${space()}${kept.map(([k, v]) => `"${k}"${space()}:${space()}${v}`).join(`,${space()}`)}${space()}}`;
}

type Outcome = { rows: Row[]; gaps: Gap[] } | { error: string };

function outcome(f: () => { rows: Row[]; gaps: Gap[] }): Outcome {
  try {
    return f();
  } catch (err) {
    if (err instanceof BatchError || err instanceof SyntaxError) return { error: err.message };
    throw err;
  }
}

/** Rows compared by what is stored and indexed; the JSON by what it says, and stored as one line without tabs. */
function comparable(o: Outcome): unknown {
  if ('error' in o) return o;
  for (const r of o.rows) assert.doesNotMatch(r.json, /[\t\r\n]/, r.json);
  return {
    gaps: o.gaps,
    rows: o.rows.map((r) => ({
      time: r.time, status: r.status, service: r.service, namespace: r.namespace, workload: r.workload, method: r.method,
      authority: r.authority, path: r.path, requestId: r.requestId, traceId: r.traceId, json: JSON.stringify(JSON.parse(r.json)),
    })),
  };
}

/** The general way for a WebSocket message, as the server takes it. */
function generalMessage(bytes: Buffer): Outcome {
  return outcome(() => {
    const read = messageItems(bytes.toString('utf8'), bytes);
    return parseRecords(read.message.records as unknown[], LIMITS, read.items?.texts, read.items?.raws);
  });
}

function mutate(rnd: () => number, text: string): string {
  const at = Math.floor(rnd() * text.length);
  const bytes = ['"', '{', '}', ',', ':', '[', ']', '\\', ' ', '\n', 'x', '1', '\u0001', '\u00e9'];
  switch (Math.floor(rnd() * 4)) {
    case 0: return text.slice(0, at) + text.slice(at + 1);
    case 1: return text.slice(0, at) + bytes[Math.floor(rnd() * bytes.length)] + text.slice(at);
    case 2: return text.slice(0, at) + bytes[Math.floor(rnd() * bytes.length)] + text.slice(at + 1);
    default: return text.slice(0, at) + text.slice(at, at + 5) + text.slice(at);
  }
}

test('WebSocket messages: the reader agrees with JSON.parse and validate.ts on every batch it takes', () => {
  const rnd = random(11);
  let taken = 0;
  let fast = 0;
  for (let b = 0; b < 1500; b++) {
    const records = Array.from({ length: 1 + Math.floor(rnd() * 6) }, (_, i) => recordText(rnd, i, [' ', '\t', '\r', '\n', '\r\n']));
    let text = `{"batch":"t/${b}","records":[${records.join(',')}]}`;
    if (b % 3 === 2) text = mutate(rnd, text);
    const bytes = Buffer.from(text);
    const read = readMessage(bytes, LIMITS);
    if (read === undefined) continue;
    const general = generalMessage(bytes);
    taken++;
    const mine = outcome(() => read.records());
    // Whatever it takes is JSON: the message parses, and its batch id is the same.
    const message = JSON.parse(text) as { batch: unknown };
    assert.equal(read.batch, message.batch, text);
    assert.deepEqual(comparable(mine), comparable(general), text);
    if (!('error' in mine)) fast += mine.rows.filter((r) => r.bytes !== undefined).length;
  }
  assert.ok(taken > 700, `the reader took most batches (${taken})`);
  assert.ok(fast > 1000, `many records went the fast way (${fast})`);
});

test('NDJSON: the reader agrees with parseBatch on every batch it takes', () => {
  const rnd = random(23);
  let taken = 0;
  for (let b = 0; b < 1500; b++) {
    const lines = Array.from({ length: 1 + Math.floor(rnd() * 6) }, (_, i) => (rnd() < 0.05 ? ' \t' : recordText(rnd, i)));
    let text = lines.join(rnd() < 0.2 ? '\r\n' : '\n') + (rnd() < 0.3 ? '\n' : '');
    if (b % 3 === 2) text = mutate(rnd, text);
    const bytes = Buffer.from(text);
    let handedBack = false;
    const read = outcome(() => {
      const r = readLines(bytes, LIMITS);
      handedBack = r === undefined;
      return r ?? { rows: [], gaps: [] };
    });
    if (handedBack) continue;
    taken++;
    const general = outcome(() => parseBatch(text, LIMITS, bytes));
    // A record over several lines, or a line that is not JSON, is never taken.
    for (const line of text.split('\n')) if (line.trim() !== '') JSON.parse(line);
    assert.deepEqual(comparable(read), comparable(general), text);
  }
  assert.ok(taken > 700, `the reader took most batches (${taken})`);
});

test('a record\'s errors name its line; too many records or a non-object element are left to the general way', () => {
  const good = '{"start_time":"2026-11-27T23:59:59.123Z","response_code":200,"method":"GET"}';
  const bad = '{"start_time":"2026-11-27T23:59:59.123Z","response_code":"oops"}';
  assert.throws(() => readLines(Buffer.from(`${good}\n\n${bad}`), LIMITS), /line 3: "response_code" must be an integer from 0 to 999/);
  assert.equal(readLines(Buffer.from(Array(51).fill(bad).join('\n')), LIMITS), undefined);
  assert.equal(readMessage(Buffer.from('{"batch":"a/1","records":[1]}'), LIMITS), undefined);
  assert.equal(readMessage(Buffer.from('{"batch":"a/1","records":[],"records":[]}'), LIMITS), undefined);
  assert.equal(readLines(Buffer.from('{"start_time":\n"2026-11-27T23:59:59.123Z","response_code":200}'), LIMITS), undefined);
  const deep = `{"start_time":"2026-11-27T23:59:59.123Z","response_code":200,"x":${'['.repeat(300)}${']'.repeat(300)}}`;
  assert.equal(readLines(Buffer.from(deep), LIMITS), undefined, 'deep nesting goes the general way');
  assert.throws(() => parseBatch(deep, LIMITS), /line 1: "x" must be nested at most 5 levels deep/);
  const five = '{"start_time":"2026-11-27T23:59:59.123Z","response_code":200,"x":[[[[1]]]]}';
  assert.equal(readLines(Buffer.from(five), LIMITS)!.rows[0]!.bytes !== undefined, true, 'as deep as the limit: the fast way');
  assert.throws(() => readLines(Buffer.from(five.replace('[[[[1]]]]', '[[[[[1]]]]]')), LIMITS), /line 1: "x" must be nested at most 5 levels deep/);
});

test('rows read the fast way reuse the strings of the record before, and give their text when asked', () => {
  const rec = (i: number) => `{"start_time":"2026-11-27T23:59:59.123Z","response_code":200,"service":"orders","path":"/p/${i}","method":"GET"}`;
  const read = readMessage(Buffer.from(`{"batch":"s/1","records":[${rec(1)},${rec(2)}]}`), LIMITS)!.records();
  assert.equal(read.rows.length, 2);
  assert.equal(read.rows[1]!.service, 'orders');
  assert.equal(read.rows[1]!.path, '/p/2');
  assert.equal(read.rows[1]!.json, rec(2));
  assert.equal(read.rows[0]!.time, Date.parse('2026-11-27T23:59:59.123Z'));
});

test('a batch of many services, interleaved, past the module\'s 16 values a field, and with records read the general way among them', () => {
  const rec = (i: number) => i % 7 === 3
    ? `{"start_time":"2026-11-27T23:59:59.123Z","response_code":200,"service":"s\u00e9rvice-${i % 23}","namespace":"ns-${i % 5}","note":"caf\u00e9"}`
    : `{"start_time":"2026-11-27T23:59:59.123Z","response_code":200,"service":"service-${i % 23}","namespace":"ns-${i % 5}","method":"${i % 2 ? 'GET' : 'POST'}"}`;
  const records = Array.from({ length: 200 }, (_, i) => rec(i));
  const read = readMessage(Buffer.from(`{"batch":"s/1","records":[${records.join(',')}]}`), { ...LIMITS, maxRecords: 1000 })!.records();
  assert.deepEqual(read.rows.map((r) => [r.service, r.namespace, r.method]), records.map((r) => {
    const v = JSON.parse(r) as Record<string, string>;
    return [v.service, v.namespace, v.method ?? null];
  }));
});
