#!/usr/bin/env node
// The web page's screenshots in docs/ (used by the README), taken in headless Chromium against a
// real collector on a temporary data folder with records of the last minutes:
// docs/page-live.png (the live tail), docs/page-record.png (a record view), docs/page-chart.png.
// Run after `npm run build`: node scripts/screenshots.js
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { DEFAULTS } from '../dist/collector/src/config.js';
import { startCollector } from '../dist/collector/src/http/server.js';

const DOCS = new URL('../docs/', import.meta.url).pathname;
const CHROMIUM = process.env.REDTAIL_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
if (!CHROMIUM) throw new Error('screenshots: needs Chromium (apt-get install chromium, or set REDTAIL_CHROMIUM)');

const SERVICES = [['checkout', '/api/cart'], ['orders', '/api/orders'], ['payments', '/api/charge'], ['users', '/api/users']];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT'];
let n = 0;
/** A record as the filter writes it, some with values it redacted, at `t`. */
function demo(t) {
  const i = n++;
  const [service, path] = SERVICES[i % SERVICES.length];
  const code = i % 23 === 0 ? 503 : i % 11 === 0 ? 404 : i % 17 === 0 ? 302 : 200;
  const r = {
    start_time: new Date(t).toISOString(), method: METHODS[i % METHODS.length], authority: `${service}.shop.svc`,
    path: i % 5 === 0 ? `${path}?session=[SECRET_PARAM]&page=${i % 7}` : `${path}/${1000 + i}`, protocol: 'HTTP/1.1',
    response_code: code, response_flags: code === 503 ? 'UF' : '-', bytes_received: i % 3 ? 0 : 212, bytes_sent: 480 + (i % 97),
    duration: 3 + ((i * 37) % 180), request_id: `7c1e${(0x10000 + i * 2654435761 % 0xfffff).toString(16)}-5d2a-4f0b-9c3e-${(i * 7919).toString(16).padStart(12, '0')}`,
    trace_id: (BigInt(i + 1) * 0x9e3779b97f4a7c15n).toString(16).padStart(32, '0').slice(-32), span_id: (i * 104729).toString(16).padStart(16, '0'),
    user_agent: 'Mozilla/5.0', service, namespace: 'shop', workload: `${service}-v1`,
  };
  if (i % 5 === 0) {
    r.request_headers = { authorization: 'Bearer [BEARER_TOKEN]', 'x-customer': '[EMAIL_ADDRESS:...@example.com]' };
    r.redactions = { SECRET_PARAM: 1, BEARER_TOKEN: 1, EMAIL_ADDRESS: 1 };
  }
  return r;
}

async function ingest(url, records, seq) {
  const res = await fetch(`${url}/v1/ingest`, {
    method: 'POST', body: records.map((r) => JSON.stringify(r)).join('\n'), headers: { 'content-type': 'application/x-ndjson', 'x-redtail-batch': `shots/${seq}` },
  });
  if (!res.ok) throw new Error(`screenshots: ingest answered ${res.status}: ${await res.text()}`);
}

const data = mkdtempSync(join(tmpdir(), 'redtail-shots-'));
const collector = await startCollector({ ...structuredClone(DEFAULTS), data, port: 0 }, () => {});
const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  // Four minutes of traffic, busier in the last one; the page opens with the latest 100.
  const now = Date.now();
  const past = [];
  for (let t = now - 240_000; t < now - 2000; t += t > now - 60_000 ? 1200 : 2500) past.push(demo(t));
  await ingest(collector.url, past, 1);
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 820 });
  await page.goto(collector.url);
  await page.waitForFunction(() => /shown/.test(document.querySelector('#status')?.textContent ?? ''));
  await page.click('#live');
  await page.waitForFunction(() => /^live ·/.test(document.querySelector('#status')?.textContent ?? ''));
  await ingest(collector.url, Array.from({ length: 12 }, (_, k) => demo(Date.now() - 1000 + k * 50)), 2);
  await page.waitForFunction(() => /112 records received/.test(document.querySelector('#status')?.textContent ?? ''));
  await page.evaluate(() => new Promise((r) => setTimeout(r, 300))); // the chart is drawn once per burst
  await page.screenshot({ path: join(DOCS, 'page-live.png') });
  await (await page.$('#rate')).screenshot({ path: join(DOCS, 'page-chart.png') });
  await page.click('#pause');
  const redacted = await page.$$('#records tbody tr.record');
  for (const row of redacted) {
    if (await row.$('mark.redacted')) {
      await row.click();
      break;
    }
  }
  await page.waitForSelector('#records tr.detail');
  await page.screenshot({ path: join(DOCS, 'page-record.png') });
  console.log('screenshots: docs/page-live.png, docs/page-record.png, docs/page-chart.png');
} finally {
  await browser.close();
  await collector.close();
  rmSync(data, { recursive: true, force: true });
}
