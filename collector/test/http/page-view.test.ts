// The page's look and manners in a real browser against a real collector: the filters on one
// line at common widths with hints for placeholders, result counts, redacted values marked with
// their rule, copy buttons for ids, a favicon, and a read token that never appears in an address.
import assert from 'node:assert/strict';
import type { Page } from 'puppeteer-core';
import { FILTERED } from '../../src/record/schema.js';
import { open as openIn, status, test, useBrowser } from '../browser.js';
import { collector, ndjson, post, record } from '../helpers.js';

const browser = useBrowser();
const open = (url: string, setup?: (page: Page) => Promise<void>) => openIn(browser(), url, setup);

test('the filters stay on one line at 1280, 1400 and 1920 px, each hint readable in full, none reading as a value', async () => {
  const c = await collector();
  const { page, errors } = await open(c.url);
  await status(page, /shown/);
  await page.click('#live'); // its Pause button shown: the line at its longest
  await status(page, /^live/);
  for (const width of [1280, 1400, 1920]) {
    await page.setViewport({ width, height: 800 });
    const boxes = await page.$$eval('#filters > *', (els) => els.map((e) => {
      const r = e.getBoundingClientRect();
      return { what: e.id || e.textContent?.trim() || e.tagName, top: r.top, bottom: r.bottom, right: r.right };
    }));
    const line = boxes.find((b) => b.what === 'search')!;
    for (const b of boxes) {
      assert.ok(b.top < line.bottom && b.bottom > line.top, `at ${width} px, ${b.what} is not on the line of the Search button`);
      assert.ok(b.right <= width, `at ${width} px, ${b.what} ends at ${b.right}, past the window`);
    }
    const cut = await page.$$eval('#filters input', (inputs) => inputs.flatMap((input) => {
      const style = getComputedStyle(input);
      const context = document.createElement('canvas').getContext('2d')!;
      context.font = `${style.fontStyle} ${style.fontSize} ${style.fontFamily}`;
      // Placeholders are italic (app.css): measured as drawn.
      const ph = getComputedStyle(input, '::placeholder');
      context.font = `${ph.fontStyle} ${style.fontSize} ${style.fontFamily}`;
      const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return context.measureText(input.placeholder).width > room ? [`${input.name}: "${input.placeholder}"`] : [];
    }));
    assert.deepEqual(cut, [], `at ${width} px these hints are cut`);
  }
  const hints = await page.$$eval('#filters input', (inputs) => Object.fromEntries(inputs.map((i) => [i.name, i.placeholder])));
  for (const f of FILTERED) assert.ok(hints[f.filter.param]!.startsWith(f.filter.label), `the hint "${hints[f.filter.param]}" says which filter it is`);
  assert.equal(hints.since, 'since e.g. 15m');
  assert.deepEqual(errors, []);
  await page.close();
  await c.stop();
});

test('a search says how many records it shows and whether there are more', async () => {
  const c = await collector();
  await post(c.url, ndjson(Array.from({ length: 150 }, (_, k) => record({ request_id: `n-${k}` }))), { 'x-redtail-batch': 'count/1' });
  const { page, errors } = await open(c.url);
  assert.equal(await status(page, /shown/), '100 records shown, newest first; more older ones: Older records, below');
  await page.click('#more');
  assert.equal(await status(page, /150/), '150 records shown, newest first: all that match');
  assert.deepEqual(errors, []);
  await page.close();
  await c.stop();
});

test('the record view marks each redacted value with the rule that redacted it, and copies the request and trace ids', async () => {
  const c = await collector();
  const trace = '0af7651916cd43dd8448eb211c80319c';
  await post(c.url, ndjson([record({
    request_id: 'req-42', trace_id: trace, path: '/users/[EMAIL_ADDRESS]/cards?token=[SECRET_PARAM]',
    request_headers: { authorization: 'Bearer [BEARER_TOKEN]', 'x-note': 'card [CREDIT_CARD:...1111]' },
    user_agent: 'agent [NOT_A_RULE]', redactions: { EMAIL_ADDRESS: 1, SECRET_PARAM: 1, BEARER_TOKEN: 1, CREDIT_CARD: 1 },
  })]), { 'x-redtail-batch': 'view/1' });
  const { page, errors } = await open(c.url, async (p) => {
    await p.browserContext().overridePermissions(c.url, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
  });
  await page.waitForSelector('#records tbody tr.record');
  assert.deepEqual(await page.$$eval('#records tr.record td.path mark.redacted', (m) => m.map((e) => e.getAttribute('data-rule'))), ['EMAIL_ADDRESS', 'SECRET_PARAM'], 'marked in the table too');
  await page.click('#records tbody tr.record');
  await page.waitForSelector('#records tr.detail');
  const marks = await page.$$eval('#records tr.detail mark.redacted', (m) => m.map((e) => [e.getAttribute('data-rule'), e.textContent, (e as HTMLElement).title]));
  assert.deepEqual(marks.map(([rule, text]) => [rule, text]), [
    ['EMAIL_ADDRESS', '[EMAIL_ADDRESS]'], ['SECRET_PARAM', '[SECRET_PARAM]'], ['BEARER_TOKEN', '[BEARER_TOKEN]'], ['CREDIT_CARD', '[CREDIT_CARD:...1111]'],
  ], 'every marker of a rule that fired, and only those ([NOT_A_RULE] is a client\'s text)');
  assert.match(marks[3]![2]!, /CREDIT_CARD rule \(the harmless part kept\)/);
  assert.match(await page.$eval('#records tr.detail .redactions', (e) => e.textContent ?? ''), /EMAIL_ADDRESS ×1, SECRET_PARAM ×1, BEARER_TOKEN ×1, CREDIT_CARD ×1/);
  const view = JSON.parse(await page.$eval('#records tr.detail pre', (e) => e.textContent ?? '')) as Record<string, unknown>;
  assert.equal(view.request_id, 'req-42', 'the view is the record, as JSON');
  const copied: string[] = [];
  for (const title of ['copy the request id', 'copy the trace id']) {
    await page.click(`#records tr.detail button[title="${title}"]`);
    await page.waitForFunction((t) => document.querySelector(`#records tr.detail button[title="${t}"]`)?.textContent === 'copied', { polling: 50 }, title);
    copied.push(await page.evaluate(() => navigator.clipboard.readText()));
  }
  assert.deepEqual(copied, ['req-42', trace]);
  assert.ok(await page.$('#records tr.detail'), 'a copy button does not close the view');
  assert.deepEqual(errors, []);
  await page.close();
  await c.stop();
});

test('the page has a favicon and asks for nothing that is not there', async () => {
  const c = await collector();
  const missing: string[] = [];
  const { page, errors } = await open(c.url, async (p) => {
    p.on('response', (r) => { if (r.status() >= 400) missing.push(`${r.status()} ${r.url()}`); });
  });
  await status(page, /shown/);
  assert.equal(await page.$eval('link[rel=icon]', (l) => (l as HTMLLinkElement).href), `${c.url}/favicon.svg`);
  for (const path of ['/favicon.svg', '/favicon.ico']) {
    const res = await fetch(`${c.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), 'image/svg+xml');
  }
  assert.deepEqual(missing, []);
  assert.deepEqual(errors, []);
  await page.close();
  await c.stop();
});

test('the read token goes in a header or the WebSocket subprotocol: no address the page asks for holds it', async () => {
  const token = 'page-token-in-no-address-0123';
  const c = await collector({ tokens: [{ token, scopes: ['read', 'ingest'] }] });
  await post(c.url, ndjson([record({ request_id: 'stored' })]), { authorization: `Bearer ${token}`, 'x-redtail-batch': 'tok/1' });
  const addresses: string[] = [];
  const { page, errors } = await open(c.url, async (p) => {
    await p.evaluateOnNewDocument((t) => localStorage.setItem('redtail.token', t), token);
    p.on('request', (r) => addresses.push(r.url()));
    const cdp = await p.createCDPSession();
    await cdp.send('Network.enable');
    cdp.on('Network.webSocketCreated', (e) => addresses.push(e.url));
  });
  await status(page, /1 record shown/);
  await page.click('#live');
  await status(page, /^live · 1 record shown/);
  await post(c.url, ndjson([record({ request_id: 'streamed' })]), { authorization: `Bearer ${token}`, 'x-redtail-batch': 'tok/2' });
  await status(page, /2 records received/);
  assert.ok(addresses.some((a) => a.includes('/v1/tail')), 'the tail was opened');
  assert.ok(addresses.some((a) => a.includes('/v1/logs')), 'a search was made');
  const encoded = Buffer.from(token).toString('base64url');
  assert.deepEqual(addresses.filter((a) => a.includes(token) || a.includes(encodeURIComponent(token)) || a.includes(encoded)), []);
  assert.ok(!(await page.evaluate(() => location.href)).includes(token));
  assert.deepEqual(errors, []);
  await page.close();
  await c.stop();
});

test('one long value is cut with an ellipsis, the table fitting the window; bidi and control characters show as escapes, a copy takes the real value', async () => {
  const c = await collector();
  await post(c.url, ndjson([
    record({ service: 's'.repeat(253), request_id: 'r'.repeat(128) }),
    record({ path: '/rtl/\u202Egnp.exe', request_id: '\u202Edi-tseuqer', method: 'GET\u0085' }),
  ]));
  const { page, errors } = await open(c.url);
  await page.setViewport({ width: 1400, height: 800 });
  await status(page, /2 records shown/);
  const right = await page.$$eval('#records tbody tr.record td', (tds) => Math.max(...tds.map((td) => td.getBoundingClientRect().right)));
  assert.ok(right <= 1400, `a cell ends at ${right}, past the 1400 px window`);
  const cells = await page.$$eval('#records tbody tr.record td', (tds) => tds.map((td) => `${td.textContent}|${td.getAttribute('title')}`).join('\n'));
  assert.ok(cells.includes('s'.repeat(253)), 'the whole value is in the cell (cut on screen, whole on hover)');
  assert.ok(cells.includes('/rtl/\\u202Egnp.exe') && cells.includes('\\u202Edi-tseuqer') && cells.includes('GET\\u0085'), cells);
  await page.$$eval('#records tbody tr.record', (trs) => trs.find((tr) => tr.textContent!.includes('rtl'))!.click());
  const view = await page.$eval('.record-view', (v) => v.textContent!);
  assert.ok(view.includes('\\u202Egnp.exe') && view.includes('request id \\u202Edi-tseuqer'), view);
  assert.ok(!/[\u202A-\u202E\u0085]/.test(cells + view), 'no control character is left to act');
  assert.deepEqual(errors, []);
  await page.close();
  await c.stop();
});
