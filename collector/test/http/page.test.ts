// The web page in a real browser (headless Chromium): a search shows stored records, live mode
// shows new ones as they are committed, record text is shown as text (a path carrying HTML runs
// nothing), with tokens the page works once given one, and a page of another site can neither
// read nor write the trail.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'puppeteer-core';
import { FILTERED } from '../../src/record/schema.js';
import { open as openIn, table, test, useBrowser } from '../browser.js';
import { collector, garbledCollector, get, ndjson, post, record } from '../helpers.js';

/** A name of an attacker's that the browser resolves to 127.0.0.1, as DNS rebinding makes it. */
const REBOUND = 'rebound.evil.test';
const browser = useBrowser([`--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`]);
const open = (url: string, setup?: (page: Page) => Promise<void>) => openIn(browser(), url, setup);

test('search shows stored records, filtered, as text (HTML in a record runs nothing), and where the trail has gaps', async () => {
  const c = await collector();
  const hostile = '/q?<img src=x onerror=alert(1)><script>alert(2)</script>';
  await post(c.url, ndjson([
    record({ request_id: 'r-old', start_time: '2026-11-27T10:00:00.000Z', path: '/old' }),
    record({ request_id: 'r-evil', start_time: '2026-11-27T10:00:01.000Z', path: hostile, response_code: 503 }),
    record({ request_id: 'r-other', service: 'billing', start_time: '2026-11-27T10:00:02.000Z' }),
    { gap: { dropped: 12, since: '2026-11-27T09:00:00Z', until: '2026-11-27T09:01:00Z', source: 'orders-v1', reason: 'buffer_full' } },
  ]));
  const { page, dialogs, errors } = await open(`${c.url}/?service=orders`);
  await page.waitForSelector('#records tbody tr.record');
  const cells = await table(page);
  assert.deepEqual(cells.map((r) => r[6]), ['r-evil', 'r-old'], 'the service filter from the address, newest first');
  assert.equal(cells[0]![1], '503');
  assert.equal(cells[0]![5], `shop${hostile}`, 'the path shown exactly as text');
  assert.equal(await page.$$eval('#records img, #records script', (n) => n.length), 0, 'no element made from a record');
  assert.match(await page.$eval('#status', (e) => e.textContent ?? ''), /2 records/);
  const gaps = await page.$$eval('#records tr.notice', (trs) => trs.map((tr) => tr.textContent));
  assert.deepEqual(gaps, ['12 records lost by orders-v1 between 2026-11-27T09:00:00.000Z and 2026-11-27T09:01:00.000Z (buffer_full): this trail is incomplete there']);
  // A row opens to the whole record.
  await page.click('#records tbody tr.record');
  const detail = JSON.parse(await page.$eval('#records tr.detail pre', (e) => e.textContent ?? '')) as Record<string, unknown>;
  assert.equal(detail.request_id, 'r-evil');
  // A bad filter is reported with the field, not a blank page.
  await page.$eval('input[name=status]', (e) => { (e as HTMLInputElement).value = 'teapot'; });
  await page.click('#search');
  await page.waitForFunction(() => document.querySelector('#status')?.className === 'error', { polling: 50 });
  assert.match(await page.$eval('#status', (e) => e.textContent ?? ''), /^400: .*status/);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(errors, []);
  await page.close();
  await c.stop();
});

test('live mode shows each new record as it is committed, matching the filters', async () => {
  const c = await collector();
  const { page, errors } = await open(`${c.url}/?status=5xx`);
  await page.waitForFunction(() => /records/.test(document.querySelector('#status')?.textContent ?? ''), { polling: 50 });
  await page.click('#live');
  await page.waitForFunction(() => /^live/.test(document.querySelector('#status')?.textContent ?? ''), { polling: 50 });
  await post(c.url, ndjson([record({ request_id: 'live-ok', response_code: 200 }), record({ request_id: 'live-fail', response_code: 502 })]));
  const t0 = Date.now();
  await page.waitForSelector('#records tbody tr.record', { timeout: 2000 });
  assert.ok(Date.now() - t0 < 2000);
  await post(c.url, ndjson([record({ request_id: 'live-fail-2', response_code: 500 })]));
  await page.waitForFunction(() => document.querySelectorAll('#records tbody tr.record').length === 2, { polling: 50, timeout: 2000 });
  assert.deepEqual((await table(page)).map((r) => r[6]), ['live-fail-2', 'live-fail'], 'newest on top, only 5xx');
  assert.deepEqual(errors, []);
  await page.close();
  await c.stop();
});

test('the page has a filter for each field the record\'s schema filters by, labelled as it says; one given in the address narrows the search', async () => {
  const c = await collector();
  await post(c.url, ndjson([record({ request_id: 'v1', workload: 'orders-v1' }), record({ request_id: 'v2', workload: 'orders-v2' })]));
  const { page, errors } = await open(`${c.url}/?workload=orders-v2`);
  await page.waitForSelector('#records tbody tr.record');
  const inputs = await page.$$eval('#filters label', (labels) => labels.map((l) => [l.firstChild?.textContent?.trim(), l.querySelector('input')?.name]));
  for (const f of FILTERED) assert.ok(inputs.some(([label, name]) => label === f.filter.label && name === f.filter.param), `no "${f.filter.label}" input named ${f.filter.param}`);
  assert.deepEqual((await table(page)).map((r) => r[6]), ['v2']);
  assert.deepEqual(errors, []);
  await page.close();
  await c.stop();
});

test('HEAD / answers as GET does, without the body (a monitor or a link checker asks it)', async () => {
  const c = await collector();
  const got = await fetch(`${c.url}/`);
  const head = await fetch(`${c.url}/`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), got.headers.get('content-length'));
  assert.equal(head.headers.get('content-security-policy'), got.headers.get('content-security-policy'));
  assert.equal(await head.text(), '');
  await c.stop();
});

test('with tokens the page asks for one, and works once given a read token', async () => {
  const token = 'page-read-token-0123456789';
  const c = await collector({ tokens: [{ token, scopes: ['read', 'ingest'] }] });
  await post(c.url, ndjson([record({ request_id: 'with-token' })]), { authorization: `Bearer ${token}` });
  const { page } = await open(c.url);
  await page.waitForFunction(() => document.querySelector('#status')?.className === 'error', { polling: 50 });
  assert.match(await page.$eval('#status', (e) => e.textContent ?? ''), /^401: send "authorization: Bearer <token>"/);
  await page.click('#auth summary');
  await page.type('#token', token);
  await page.click('#search');
  await page.waitForSelector('#records tbody tr.record');
  assert.deepEqual((await table(page)).map((r) => r[6]), ['with-token']);
  await page.click('#live');
  await page.waitForFunction(() => /^live/.test(document.querySelector('#status')?.textContent ?? ''), { polling: 50 });
  await post(c.url, ndjson([record({ request_id: 'live-with-token' })]), { authorization: `Bearer ${token}` });
  await page.waitForFunction(() => document.querySelector('#records tbody tr.record td:last-child')?.textContent === 'live-with-token', { polling: 50, timeout: 2000 });
  const res = await fetch(c.url);
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  await page.close();
  await c.stop();
});

test('a line that is not a record is shown as unreadable, in a search and in live mode, and the page goes on', async () => {
  const good = JSON.stringify(record({ request_id: 'readable' }));
  const g = await garbledCollector([null, JSON.parse(good), 5], [`{"request_id":"cut",\n${good.replace('readable', 'live-1')}`, `null\n${good.replace('readable', 'live-2')}`]);
  const { page, errors } = await open(g.url);
  await page.waitForSelector('#records tbody tr.record');
  const rowsText = () => page.$$eval('#records tbody tr', (trs) => trs.map((tr) => (tr.className.includes('unreadable') ? `? ${tr.textContent}` : tr.children[6]?.textContent)));
  assert.deepEqual(await rowsText(), ['? unreadable, not a record: null', 'readable', '? unreadable, not a record: 5']);
  await page.click('#live');
  await page.waitForFunction(() => document.querySelectorAll('#records tbody tr.record').length === 2, { polling: 50, timeout: 5000 });
  assert.deepEqual(await rowsText(), ['live-2', '? unreadable, not a record: null', 'live-1', '? unreadable, not a record: {"request_id":"cut",']);
  assert.deepEqual(errors, []);
  await page.close();
  await g.close();
});

test('a page of another site cannot read the live tail, write records, or reach the API through a name pointed at 127.0.0.1', async () => {
  const c = await collector();
  const port = new URL(c.url).port;
  // Another site's page: any origin but the collector's own (here, another port on loopback).
  const site = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'));
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  const { page } = await open(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
  const tail = await page.evaluate((url) => new Promise<string>((resolve) => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve('open: the page would read every record');
    ws.onclose = () => resolve('refused');
  }), `ws://127.0.0.1:${port}/v1/tail`);
  assert.equal(tail, 'refused');
  // What a page can POST without a CORS preflight: text/plain, or a body with no type at all.
  await page.evaluate(async (url, body) => {
    await fetch(url, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body }).catch(() => {});
    await fetch(url, { method: 'POST', mode: 'no-cors', body: new Blob([body]) }).catch(() => {});
  }, `http://127.0.0.1:${port}/v1/ingest`, ndjson([record({ request_id: 'forged' })]));
  await post(c.url, ndjson([record({ request_id: 'secret-trail' })]));
  assert.deepEqual(((await get(c.url, '/v1/logs')).json.records as { request_id: string }[]).map((r) => r.request_id), ['secret-trail'], 'no forged record was stored');
  // DNS rebinding: the attacker's name now resolves to 127.0.0.1, so its page is "same origin" with the API.
  await page.goto(`http://${REBOUND}:${port}/`);
  const read = await page.evaluate(async () => {
    const res = await fetch('/v1/logs');
    return { status: res.status, text: await res.text() };
  });
  assert.equal(read.status, 403);
  assert.ok(!read.text.includes('secret-trail'), 'the records stay unread');
  await page.close();
  site.close();
  await c.stop();
});
