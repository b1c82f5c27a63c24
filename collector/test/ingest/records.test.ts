// Cutting records out of a batch's text must always agree with JSON.parse: whatever the
// records hold (the cut's own separator inside strings, nested arrays of objects), either the
// texts come back, each parsing to its record, or none do and the records are the parsed ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arrayItems, messageItems } from '../../src/ingest/records.js';

const RECORDS: unknown[][] = [
  [],
  [{ a: 1 }],
  [{ a: 1 }, { b: 'two' }, { c: { d: [1, 2] } }],
  [{ path: '/x},{y', note: '},{"evil":1}' }, { b: 2 }],
  [{ list: [{ a: 1 }, { b: 2 }] }, { c: 3 }],
  [{ s: 'quote " and backslash \\ inside' }, { t: 1 }],
  [{ u: 'é€😀 and \u2028' }, { v: null }],
  [1, 'two', [3], null],
  [{ a: 1 }, 2, { b: 3 }],
];

function check(items: { values: unknown[]; texts?: string[] } | undefined, expected: unknown[], what: string): void {
  assert.ok(items, what);
  assert.deepEqual(items.values, expected, what);
  if (items.texts) {
    assert.equal(items.texts.length, expected.length, what);
    items.texts.forEach((t, i) => assert.deepEqual(JSON.parse(t), expected[i], `${what}: text ${i}`));
  }
}

test('a WebSocket message: records and their texts agree with JSON.parse, however they are written', () => {
  let cut = 0;
  for (const records of RECORDS) {
    const forms = [
      JSON.stringify({ batch: 'b/1', records }),
      JSON.stringify({ records, batch: 'b/1' }),
      JSON.stringify({ batch: 'b/1', records }, null, 2),
      `{"batch":"b/1","records":${JSON.stringify(records)},"x":[{"a":1}]}`,
      `{"batch":"b/1","records":[],"records":${JSON.stringify(records)}}`,
      `{"batch":"b/1","rec\\u006frds":[{"z":9}],"records":${JSON.stringify(records)}}`,
    ];
    for (const text of forms) {
      const expected = (JSON.parse(text) as { records: unknown[] }).records;
      const read = messageItems(text);
      assert.deepEqual(read.message, JSON.parse(text), text);
      if (read.items) {
        cut++;
        check(read.items, expected, text);
      }
    }
  }
  assert.ok(cut >= 4, 'the plain form is cut');
  assert.throws(() => messageItems('{"batch":"b/1","records":[{"a":1},{"b":]}'), SyntaxError);
  assert.throws(() => messageItems('not json'), SyntaxError);
});

test('a JSON array body: the same, and not-an-array and not-JSON told apart', () => {
  for (const records of RECORDS) {
    for (const text of [JSON.stringify(records), ` ${JSON.stringify(records)}\n`, JSON.stringify(records, null, 1)]) {
      check(arrayItems(text), records, text);
    }
  }
  assert.equal(arrayItems('{"a":1}'), undefined);
  assert.throws(() => arrayItems('[{"a":1},{"b":'), SyntaxError);
  const plain = arrayItems('[{"a":1},{"b":2}]')!;
  assert.deepEqual(plain.texts, ['{"a":1}', '{"b":2}'], 'the texts are the records as sent');
});

test('given the message bytes, an all-ASCII message gives each record its bytes; any other, none', () => {
  const ascii = JSON.stringify({ batch: 'b/1', records: [{ a: 1, path: '/x?y=1' }, { b: 'two' }, { c: { d: [1, 2] } }] });
  const read = messageItems(ascii, Buffer.from(ascii));
  assert.deepEqual(read.items!.raws!.map((b) => b.toString()), read.items!.texts);
  const wide = JSON.stringify({ batch: 'b/1', records: [{ a: 'é' }, { b: 2 }] });
  const other = messageItems(wide, Buffer.from(wide));
  assert.ok(other.items?.texts, 'still cut');
  assert.equal(other.items!.raws, undefined, 'offsets in the text are not byte offsets');
  const spaced = '{"batch":"b/1","records":[ {"a":1},{"b":2} ]}';
  assert.equal(messageItems(spaced, Buffer.from(spaced)).items!.raws, undefined);
});
