// The mapping's one table against the schema (every field of the record goes somewhere, and only
// fields the schema has are read) and against docs/export.md (its tables are this one, written out).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FIELDS } from '../../src/record/schema.js';
import { ATTRIBUTES, type Attribute, LOG_FIELDS, RESOURCE } from '../../src/export/otlp-mapping.js';

const DOC = new URL('../../../../docs/export.md', import.meta.url);

test('every field of the schema is carried by the resource, the log record or an attribute (the bodies only in the body)', () => {
  const carried = new Set([...RESOURCE, ...ATTRIBUTES, ...LOG_FIELDS.filter((f) => f.name !== 'body')].flatMap((a) => a.from));
  assert.deepEqual(FIELDS.map((f) => f.name).filter((n) => !carried.has(n)), ['request_body', 'response_body']);
});

test('the mapping reads only fields the schema has, and names each attribute once', () => {
  const known = new Set(FIELDS.map((f) => f.name));
  for (const a of [...RESOURCE, ...ATTRIBUTES, ...LOG_FIELDS]) for (const f of a.from) assert.ok(known.has(f), `${a.name} reads "${f}", not in the schema`);
  const names = [...RESOURCE, ...ATTRIBUTES].map((a) => a.name);
  assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), []);
});

const code = (s: string) => `\`${s}\``;
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
function table(head: string, rows: { name: string; from: string[]; how?: string }[]): string {
  return [row([head, 'from the record', 'how']), row(['---', '---', '---']),
    ...rows.map((r) => row([code(r.name), r.name === 'body' ? 'the record' : r.from.map(code).join(', ') || '—', r.how ?? 'its value']))].join('\n');
}

/** docs/export.md's three tables, as the mapping makes them. */
function mappingTables(): string {
  return [table('resource attribute', RESOURCE), table('log record field', LOG_FIELDS), table('attribute', ATTRIBUTES as Attribute[])].join('\n\n');
}

test('docs/export.md shows the mapping as the code has it', () => {
  const expected = mappingTables();
  assert.ok(readFileSync(DOC, 'utf8').includes(expected), `docs/export.md should have these tables, as they are:\n\n${expected}\n`);
});
