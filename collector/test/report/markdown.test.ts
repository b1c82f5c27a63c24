// The Markdown renderer: values from records cannot break a table or add markup.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown } from '../../src/report/markdown.js';
import { sampleReport } from './sample.js';

test('record values stay in their cells as text, the FAIL heads the verification, and access is summed', () => {
  const md = renderMarkdown(sampleReport());
  assert.match(md, /^\| \\<script\\>alert\(1\)\\<\/script\\>\\\|x \| 2 \| 2 \|$/m);
  assert.match(md, /^## Verification: \*\*FAIL\*\*$/m);
  assert.match(md, /^\| alice \| query \| 2 \|$/m);
  assert.match(md, /^\| a \| 2 \| 7 \|$/m);
  assert.match(md, /^\*\*1 block and 0 records could not be read back/m);
  // Every table row has its header's number of cells: no value added a column.
  for (const block of md.split('\n\n').filter((b) => b.startsWith('|'))) {
    const cells = block.split('\n').map((l) => l.split(/(?<!\\)\|/).length);
    assert.ok(cells.every((n) => n === cells[0]), block);
  }
});
