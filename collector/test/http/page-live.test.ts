// The page's live tail in a real browser against a real collector: it opens with the latest
// records and streams on with none twice and none missed, pause holds what arrives (bounded, and
// says how many), drops the collector reports are shown, and the rate chart counts by status class.
import assert from 'node:assert/strict';
import type { Page } from 'puppeteer-core';
import { open as openIn, status, table, test, useBrowser } from '../browser.js';
import { collector, garbledCollector, ndjson, post, record } from '../helpers.js';

const browser = useBrowser();
const open = (url: string) => openIn(browser(), url);
const ids = async (page: Page) => (await table(page)).map((r) => r[6]);
/** Records seq-<from>..seq-<to - 1>, a millisecond apart, the last a second ago. */
const numbered = (from: number, to: number, fields: Record<string, unknown> = {}) => Array.from({ length: to - from }, (_, k) => record({
  request_id: `seq-${from + k}`, start_time: new Date(Date.now() - 1000 - (to - from - k)).toISOString(), ...fields,
}));
const rows = (page: Page, n: number) => page.waitForFunction((count) => document.querySelectorAll('#records tbody tr.record').length === count, { polling: 50, timeout: 10_000 }, n);

test('live opens with the latest 100 records, newest on top, then streams new ones above them: none twice, none missed', async () => {
  const c = await collector();
  await post(c.url, ndjson(numbered(0, 150)), { 'x-redtail-batch': 'live/1' });
  const { page, errors } = await open(c.url);
  await status(page, /shown/);
  await page.click('#live');
  await status(page, /^live · 100 records shown/);
  assert.deepEqual(await ids(page), Array.from({ length: 100 }, (_, k) => `seq-${149 - k}`), 'the latest 100, newest on top');
  await post(c.url, ndjson(numbered(150, 153)), { 'x-redtail-batch': 'live/2' });
  await rows(page, 103);
  assert.deepEqual(await ids(page), Array.from({ length: 103 }, (_, k) => `seq-${152 - k}`));
  assert.match(await status(page, /103 records received/), /^live · 103 records shown, newest on top · 103 records received$/);
  assert.deepEqual(errors, []);
  await page.close();
  await c.stop();
});

test('a reconnected tail fills in what was stored while it was away, and shows nothing twice', async () => {
  const c = await collector();
  await post(c.url, ndjson(numbered(0, 3)), { 'x-redtail-batch': 'again/1' });
  const { page, errors } = await open(c.url);
  await status(page, /shown/);
  await page.click('#live');
  await status(page, /^live · 3 records shown/);
  c.tail.close(); // every tail's socket closed, as a collector going away does: the page reconnects
  await status(page, /reconnecting/);
  // Stored while the page is away, or just as it comes back: from the backfill or the stream, once either way.
  await post(c.url, ndjson(numbered(3, 6)), { 'x-redtail-batch': 'again/2' });
  await rows(page, 6);
  await post(c.url, ndjson(numbered(6, 7)), { 'x-redtail-batch': 'again/3' });
  await rows(page, 7);
  assert.deepEqual(await ids(page), ['seq-6', 'seq-5', 'seq-4', 'seq-3', 'seq-2', 'seq-1', 'seq-0']);
  assert.deepEqual(errors, []);
  await page.close();
  await c.stop();
});

test('pause holds what arrives and counts it; resume shows it; past the hold the page says how many it did not keep', async () => {
  const c = await collector();
  const { page, errors } = await open(c.url);
  await status(page, /shown/);
  await page.click('#live');
  await status(page, /^live · 0 records shown/);
  await page.click('#pause');
  await post(c.url, ndjson(numbered(0, 5)), { 'x-redtail-batch': 'pause/1' });
  assert.match(await status(page, /5 new records held/), /^paused: 5 new records held, shown on resume · 0 records shown/);
  assert.equal((await table(page)).length, 0, 'nothing shown while paused');
  await page.click('#pause');
  await rows(page, 5);
  assert.deepEqual(await ids(page), ['seq-4', 'seq-3', 'seq-2', 'seq-1', 'seq-0']);
  // The hold keeps 1000: 1005 more while paused, and the 5 oldest of them are let go, and said to be.
  await page.click('#pause');
  await post(c.url, ndjson(numbered(5, 1010)), { 'x-redtail-batch': 'pause/2' });
  assert.match(await status(page, /1,000 new records held/), /5 records not kept while paused \(more than 1000\)/);
  await page.click('#pause');
  await page.waitForSelector('#records tbody tr.notice');
  assert.equal(await page.$$eval('#records tbody tr', (trs) => trs.length), 1000, 'the page keeps 1000 rows, the notice one of them');
  const shown = await ids(page);
  assert.equal(shown[0], 'seq-1009');
  assert.ok(!shown.includes('seq-9'), 'one of the 5 the hold let go');
  assert.match(await page.$eval('#records tbody tr.notice', (e) => e.textContent ?? ''), /^5 records arrived while paused beyond the 1000 held: not shown here/);
  assert.deepEqual(errors, []);
  await page.close();
  await c.stop();
});

test('drops the collector reports for a page that fell behind are shown, in the table and the counts', async () => {
  const good = (id: string) => JSON.stringify(record({ request_id: id }));
  const g = await garbledCollector([], [`${good('before')}\n{"backfilled":1}`, '{"dropped":7}', good('after')]);
  const { page, errors } = await open(g.url);
  await status(page, /shown/);
  await page.click('#live');
  const said = await status(page, /dropped/);
  assert.match(said, /7 records dropped by the collector: this page fell behind/);
  await rows(page, 2);
  const lines = await page.$$eval('#records tbody tr', (trs) => trs.map((tr) => (tr.className === 'notice' ? tr.textContent : tr.children[6]?.textContent)));
  assert.deepEqual(lines, ['after', '7 records dropped by the collector: this page fell behind', 'before']);
  assert.deepEqual(errors, []);
  await page.close();
  await g.close();
});

test('the chart counts the live records of the last minutes by status class, the backfill included', async () => {
  const c = await collector();
  const now = Date.now();
  const at = (s: number) => new Date(now - s * 1000).toISOString();
  await post(c.url, ndjson([
    ...[1, 2, 3, 4].map((s) => record({ start_time: at(s), response_code: 200 })),
    record({ start_time: at(20), response_code: 404 }),
    record({ start_time: at(600), response_code: 500 }), // before the chart's window
  ]), { 'x-redtail-batch': 'chart/1' });
  const { page, errors } = await open(c.url);
  await status(page, /shown/);
  assert.equal(await page.$eval('#rate', (e) => (e as HTMLElement).hidden), true, 'no chart for a search');
  await page.click('#live');
  await status(page, /^live ·/);
  await post(c.url, ndjson([record({ start_time: at(1), response_code: 503 }), record({ start_time: at(1), response_code: 302 })]), { 'x-redtail-batch': 'chart/2' });
  await page.waitForFunction(() => document.querySelector('#legend [data-class="5xx"]')?.getAttribute('data-count') === '1', { polling: 50, timeout: 10_000 });
  const legend = await page.$$eval('#legend [data-class]', (spans) => Object.fromEntries(spans.map((s) => [s.getAttribute('data-class'), Number(s.getAttribute('data-count'))])));
  assert.deepEqual(legend, { '2xx': 4, '3xx': 1, '4xx': 1, '5xx': 1 });
  const drawn = await page.$$eval('#chart rect', (rects) => rects.map((r) => [r.getAttribute('class'), Number(r.getAttribute('data-count')), Number(r.getAttribute('height'))]));
  const total = (cls: string) => drawn.filter(([k]) => k === cls).reduce((n, [, count]) => n + (count as number), 0);
  assert.deepEqual(['c2xx', 'c3xx', 'c4xx', 'c5xx'].map(total), [4, 1, 1, 1]);
  assert.ok(drawn.every(([, , h]) => (h as number) > 0), 'each bar drawn');
  assert.deepEqual(errors, []);
  await page.close();
  await c.stop();
});

test('paused under more records than it holds, the page keeps a bounded set of what it has seen (those the hold let go are forgotten), and Live counts no stale rows', async () => {
  const c = await collector();
  await post(c.url, ndjson(numbered(0, 1)), { 'x-redtail-batch': 'stale/0' });
  const { page, errors } = await open(c.url);
  await status(page, /1 record shown/);
  await page.click('#live');
  assert.match(await status(page, /^live/), /^live: opening with the latest records · 0 records shown|^live · 1 record shown/, 'the search\'s row is not counted as shown');
  await status(page, /^live · 1 record shown/);
  await page.click('#pause');
  for (let b = 0; b < 3; b++) {
    await post(c.url, ndjson(numbered(1 + b * 1000, 1 + (b + 1) * 1000)), { 'x-redtail-batch': `stale/${b + 1}` });
    await status(page, new RegExp(`${(1 + (b + 1) * 1000).toLocaleString('en')} records received`));
  }
  const sets = await page.queryObjects(await page.evaluateHandle(() => Set.prototype));
  const largest = await page.evaluate((all) => Math.max(...(all as unknown as Set<unknown>[]).map((s) => s.size)), sets);
  assert.ok(largest <= 2000, `the page keeps ${largest} keys: more than the rows shown and the records held`);
  assert.deepEqual(errors, []);
  await page.close();
  await c.stop();
});
