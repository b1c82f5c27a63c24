// The HTML renderer: values from records are text, never markup; every section shows what it holds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderHtml } from '../../src/report/html.js';
import { HOSTILE, sampleReport } from './sample.js';

test('record values are escaped everywhere, the FAIL is the verdict, and access and gaps are listed', () => {
  const html = renderHtml(sampleReport());
  assert.doesNotMatch(html, /<script/i);
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;|x'));
  assert.match(html, /class="verdict fail" id="verdict">FAIL: 1 of the period&#39;s 1 epoch does not verify/);
  assert.match(html, /<td>alice<\/td><td>query<\/td><td class="n">2<\/td>/);
  assert.match(html, /<td>a<\/td><td class="n">2<\/td><td class="n">7<\/td>/);
  assert.match(html, /\(no service\)/);
  assert.match(html, /does NOT verify with the log&#39;s key: bad signature/);
  assert.match(html, /could not be read back/);
  assert.equal((html.match(/<svg /g) ?? []).length, 2);
  assert.ok(!html.includes(HOSTILE));
});
