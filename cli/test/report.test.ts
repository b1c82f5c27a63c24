// redtail report over a store made by a real collector process: records of two services over two
// days, with redactions and a gap notice; the report in each format holds the figures sent, the
// HTML is one file that a real browser renders offline with its charts, a deleted epoch is listed
// with its deletion, and a tampered record makes the verification FAIL (report written, exit 1).
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import puppeteer, { type Browser } from 'puppeteer-core';
import { exited, ndjson, post, record, spawnRedtail, tempDir, until } from '../../collector/test/helpers.js';
import { parseCheckpoint } from '../../collector/src/log/checkpoint.js';
import { checkpointFiles } from '../../collector/src/log/checkpoints.js';
import { loadOrCreateKey } from '../../collector/src/log/keys.js';
import { unsignedText } from '../../collector/src/log/note.js';
import { recordDeletion } from '../../collector/src/log/retention.js';
import type { Report } from '../../collector/src/report/model.js';
import { packBlock, unpackBlock } from '../../collector/src/store/codec.js';
import { dayOf } from '../../collector/src/store/days.js';
import { run } from './redtail.js';

const tmp = tempDir();
const data = join(tmp.dir, 'data');
const pubkey = join(tmp.dir, 'auditor.pub');
const HOUR = 3_600_000;
const now = Date.now();
const midnight = Date.parse(`${dayOf(now)}T00:00:00Z`);
// Times near now (the collector refuses times far from its clock), one on each side of midnight.
const yesterdayTime = midnight - Math.min(30 * 60_000, (24 * HOUR - (now - midnight)) / 2);
const todayTime = now - Math.min(5 * 60_000, (now - midnight) / 2);
const [yesterday, today] = [dayOf(yesterdayTime), dayOf(todayTime)];
// The period: both days whole.
const FROM = `${yesterday}T00:00:00Z`;
const TO = new Date(midnight + 24 * HOUR).toISOString();

/** What is sent: service, day, records, and each record's redactions. */
const SENT = [
  { service: 'orders', time: yesterdayTime, n: 300, redactions: { email: 1 } },
  { service: 'payments', time: yesterdayTime, n: 40, redactions: { card: 2, email: 1 } },
  { service: 'orders', time: todayTime, n: 120, redactions: {} },
  { service: 'payments', time: todayTime, n: 60, redactions: { card: 1 } },
];

const signedSize = (dir: string, epoch: string) => {
  const last = checkpointFiles(dir, epoch).at(-1);
  return last ? parseCheckpoint(unsignedText(readFileSync(last, 'utf8'))).size : 0;
};

const report = (dir: string, ...more: string[]) => run(['report', '--data', dir, '--pubkey', pubkey, '--from', FROM, '--to', TO, ...more]);
const reportJson = async (dir: string) => {
  const r = await report(dir, '--format', 'json');
  return { ...r, report: JSON.parse(r.stdout) as Report };
};

/** A copy of the untouched store, changed by `change`. */
function copy(name: string, change: (dir: string) => void): string {
  const dir = join(tmp.dir, name);
  cpSync(data, dir, { recursive: true });
  change(dir);
  return dir;
}

before(async () => {
  const config = join(tmp.dir, 'config.json');
  writeFileSync(config, JSON.stringify({ log: { checkpoint_interval_ms: 20, name: 'redtail.test/report' } }));
  const c = await spawnRedtail(['serve', '--port', '0', '--data', data, '--config', config]);
  let seq = 0;
  for (const s of SENT) {
    const records = Array.from({ length: s.n }, (_, i) => record({ service: s.service, start_time: new Date(s.time - i).toISOString(), request_id: `${s.service}-${seq}-${i}`, redactions: s.redactions }));
    assert.equal((await post(c.url, ndjson(records), { 'x-redtail-batch': `sidecar-${s.service}/${seq++}` })).status, 200);
  }
  const gap = { gap: { dropped: 17, since: new Date(todayTime - 60_000).toISOString(), until: new Date(todayTime - 30_000).toISOString(), source: 'sidecar-orders', reason: 'buffer full' } };
  assert.equal((await post(c.url, ndjson([record({ start_time: new Date(todayTime).toISOString(), request_id: 'after-gap' }), gap]), { 'x-redtail-batch': `sidecar-orders/${seq++}` })).status, 200);
  await until(() => signedSize(data, yesterday) === 340 && signedSize(data, today) === 181, 'checkpoints of both days');
  // A reader, for the access section: the audit log has its query.
  assert.equal((await fetch(`${c.url}/v1/logs?service=payments&limit=7`)).status, 200);
  const gone = exited(c.child);
  c.child.kill('SIGTERM');
  await gone;
  cpSync(join(data, 'log.key.pub'), pubkey);
});
after(() => tmp.remove());

test('JSON: the records per service and day, the redactions per rule and the gaps are those sent; the days verify', async () => {
  const { code, report: r, stderr } = await reportJson(data);
  assert.equal(code, 0, stderr);
  assert.deepEqual(r.records.byServiceDay, [
    { service: 'orders', day: yesterday, records: 300 },
    { service: 'orders', day: today, records: 121 },
    { service: 'payments', day: yesterday, records: 40 },
    { service: 'payments', day: today, records: 60 },
  ]);
  assert.equal(r.records.total, 521);
  assert.deepEqual(r.records.byDay, [{ day: yesterday, records: 340 }, { day: today, records: 181 }]);
  assert.equal(r.records.timeline.counts.reduce((a, b) => a + b, 0), 521);
  assert.deepEqual(r.redactions.rules, [{ rule: 'card', count: 140, records: 100 }, { rule: 'email', count: 340, records: 340 }].sort((a, b) => b.count - a.count));
  assert.equal(r.redactions.total, 480);
  assert.deepEqual(r.gaps.sources, [{ source: 'sidecar-orders', notices: 1, dropped: 17 }]);
  // The batches were numbered across both sources: each source's own sequence has holes.
  assert.deepEqual(r.gaps.missing.map((m) => [m.source, m.from_seq, m.to_seq]).sort(), [['sidecar-orders', 1, 1], ['sidecar-orders', 3, 3], ['sidecar-payments', 2, 2]]);
  assert.deepEqual(r.gaps.identities.map((i) => [i.identity, i.batches_missing, i.records_dropped]).sort(), [['sidecar-orders', 2, 17], ['sidecar-payments', 1, 0]]);
  assert.deepEqual([r.period.days, r.period.from, r.period.to], [[yesterday, today], new Date(FROM).toISOString(), TO]);
  assert.equal(r.log.publicKey, readFileSync(pubkey, 'utf8').trim());
  assert.equal(r.log.name, 'redtail.test/report');
  assert.deepEqual(r.verify.epochs.map((e) => [e.epoch, e.ok, e.records]), [[yesterday, true, 340], [today, true, 181]]);
  assert.equal(r.verify.ok, true);
  // Each day's last checkpoint, whole, as kept.
  assert.deepEqual(r.verify.checkpoints.map((c) => c.note), [yesterday, today].map((d) => readFileSync(checkpointFiles(data, d).at(-1)!, 'utf8')));
  assert.deepEqual(r.retention.deletions, []);
  // The report read every record of the period: it leaves its entry for the audit log.
  const left = readdirSync(join(data, 'audit', 'inbox')).map((f) => JSON.parse(readFileSync(join(data, 'audit', 'inbox', f), 'utf8')) as Record<string, unknown>);
  assert.ok(left.some((e) => e.action === 'report' && e.format === 'json' && e.records === 521 && e.verified === true && String(e.who).startsWith('os:')), JSON.stringify(left));
  // Who read the trail: the collector's start and stop, and the query with its filters and count.
  assert.equal(r.access.available, true);
  assert.deepEqual(r.access.entries.map((e) => e.action), ['start', 'query', 'stop']);
  assert.match(r.access.entries[1]!.detail, /"service":"payments"/);
  assert.match(r.access.entries[1]!.detail, /results=7/);
  assert.match(r.access.entries[1]!.actor, /127\.0\.0\.1/);
});

test('Markdown: the tables hold the figures, the verification says OK, the checkpoints are quoted whole', async () => {
  const { code, stdout } = await report(data);
  assert.equal(code, 0);
  assert.match(stdout, /^## Verification: OK$/m);
  assert.match(stdout, new RegExp(`^\\| service \\| ${yesterday} \\| ${today} \\| total \\|$`, 'm'));
  assert.match(stdout, /^\| orders \| 300 \| 121 \| 421 \|$/m);
  assert.match(stdout, /^\| payments \| 40 \| 60 \| 100 \|$/m);
  assert.match(stdout, /^\| total \| 340 \| 181 \| 521 \|$/m);
  assert.match(stdout, /^\| email \| 340 \| 340 \|$/m);
  assert.match(stdout, /^\| card \| 140 \| 100 \|$/m);
  assert.match(stdout, /^\| sidecar-orders \| 1 \| 17 \|$/m);
  assert.match(stdout, /^\| anonymous \(127\.0\.0\.1\) \| query \| 1 \|$/m);
  assert.ok(stdout.includes(readFileSync(checkpointFiles(data, today).at(-1)!, 'utf8').trimEnd()));
});

test('HTML: one file with nothing fetched, rendered offline by a real browser with its charts', async (t) => {
  const CHROMIUM = process.env.REDTAIL_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
  if (!CHROMIUM && process.env.REDTAIL_REQUIRE_BROWSER) throw new Error('the report test needs Chromium');
  const out = join(tmp.dir, 'report.html');
  const r = await report(data, '--format', 'html', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const html = readFileSync(out, 'utf8');
  // Nothing that fetches: no element or attribute that can name a resource (an address may stand in the text, as data).
  assert.doesNotMatch(html, /<script|<link|<iframe|<img|<object|<embed|<a |@import|url\(|\b(src|href|xlink:href|action)=/i);
  assert.match(html, /class="verdict ok"/);
  if (!CHROMIUM) return t.skip('needs Chromium: apt-get install chromium, or set REDTAIL_CHROMIUM');
  let browser: Browser | undefined;
  try {
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (req) => requested.push(req.url()));
    await page.setOfflineMode(true);
    await page.goto(`file://${out}`, { waitUntil: 'load' });
    assert.deepEqual(requested, [`file://${out}`]);
    const charts = await page.$$eval('figure svg', (svgs) => svgs.map((s) => ({ bars: s.querySelectorAll('rect').length, width: s.getBoundingClientRect().width })));
    assert.equal(charts.length, 2);
    assert.ok(charts.every((c) => c.bars > 0 && c.width > 100), JSON.stringify(charts));
    assert.equal(await page.$eval('#verdict', (e) => e.textContent), 'OK: the period\'s 2 epochs verify against the log\'s public key; the audit log\'s 2 days verify');
    // The chart as drawn: a screenshot of it holds ink, not only the page's white.
    const shot = Buffer.from(await (await page.$('#records-chart svg'))!.screenshot({ type: 'png' })).toString('base64');
    const blank = await browser.newPage();
    const inked = await blank.evaluate(async (src) => {
      const img = new Image();
      img.src = `data:image/png;base64,${src}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      [canvas.width, canvas.height] = [img.width, img.height];
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, img.width, img.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i]! < 128 && px[i + 2]! > px[i]!) n++; // the bars' blue
      return n;
    }, shot);
    assert.ok(inked > 100, `${inked} pixels of the bars' colour in the chart's screenshot`);
  } finally {
    await browser?.close();
  }
});

test('a period with an epoch deleted by retention lists the deletion, and the epoch verifies as deleted', async () => {
  const dir = copy('deleted', (d) => {
    for (const f of [`redtail-${yesterday}.db`, `redtail-${yesterday}.words.db`]) for (const x of ['', '-wal', '-shm']) rmSync(join(d, f + x), { force: true });
    const { signer } = loadOrCreateKey(join(d, 'log.key'), 'unused');
    recordDeletion(d, yesterday, signer, 'retention 1 day');
  });
  const { code, report: r, stderr } = await reportJson(dir);
  assert.equal(code, 0, stderr);
  assert.equal(r.retention.deletions.length, 1);
  const [d] = r.retention.deletions;
  assert.deepEqual([d!.epoch, d!.verified, d!.records, d!.reason], [yesterday, true, 340, 'retention 1 day']);
  assert.deepEqual(r.verify.epochs.map((e) => [e.epoch, e.ok, e.deleted?.reason]), [[yesterday, true, 'retention 1 day'], [today, true, undefined]]);
  assert.deepEqual(r.records.byDay, [{ day: today, records: 181 }]);
  const md = await report(dir);
  assert.match(md.stdout, new RegExp(`^\\| ${yesterday} \\| DEL \\| 340 records, deleted by retention on \\S+ \\(retention 1 day\\)`, 'm'));
  assert.match(md.stdout, new RegExp(`^\\| ${yesterday} \\| 340 records deleted on \\S+ \\(retention 1 day\\); final root \\S+ \\|$`, 'm'));
});

test('a tampered record makes the verification FAIL: the report is still written, says so first, and the exit code is 1', async () => {
  const dir = copy('tampered', (d) => {
    const db = new Database(join(d, `redtail-${today}.db`));
    const layout = db.pragma('user_version', { simple: true }) as number;
    const text = unpackBlock(db.prepare('SELECT data FROM blocks WHERE id = 1').pluck().get() as Buffer, layout);
    const at = text.indexOf('"orders-');
    text[at + 1] = 'O'.charCodeAt(0);
    db.prepare('UPDATE blocks SET data = ? WHERE id = 1').run(packBlock(text, layout));
    db.close();
  });
  const out = join(tmp.dir, 'tampered.md');
  const r = await report(dir, '--out', out);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /verification FAILED/);
  const md = readFileSync(out, 'utf8');
  assert.match(md, /^## Verification: \*\*FAIL\*\*$/m);
  assert.match(md, /^FAIL: 1 of the period's 2 epochs does not verify; the audit log's 2 days verify$/m);
  assert.match(md, new RegExp(`^\\| ${today} \\| FAIL \\| records changed: `, 'm'));
  const html = await report(dir, '--format', 'html');
  assert.equal(html.code, 1);
  assert.match(html.stdout, /class="verdict fail" id="verdict">FAIL: 1 of the period&#39;s 2 epochs does not verify/);
});

test('an audit entry altered makes the verification FAIL too, naming the audit day', async () => {
  const dir = copy('audit-edited', (d) => {
    const file = join(d, 'audit', `${today}.ndjson`);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"results":7', '"results":0'));
  });
  const r = await reportJson(dir);
  assert.equal(r.code, 1);
  assert.equal(r.report.verify.ok, false);
  assert.deepEqual(r.report.verify.audit.filter((a) => !a.ok).map((a) => a.epoch), [today]);
  const md = await report(dir);
  assert.match(md.stdout, /; 1 of the audit log's 2 days does NOT verify$/m);
  assert.match(md.stdout, new RegExp(`^\\| ${today} \\| FAIL \\| `, 'm'));
});

test('usage errors exit 2 and say what was wrong', async () => {
  assert.match((await run(['report', '--data', data])).stderr, /--from is required/);
  const bad = await report(data, '--format', 'pdf');
  assert.deepEqual([bad.code, /--format must be md, json or html, got "pdf"/.test(bad.stderr)], [2, true]);
  const backwards = await run(['report', '--data', data, '--from', TO, '--to', FROM]);
  assert.deepEqual([backwards.code, /must be before --to/.test(backwards.stderr)], [2, true]);
});

test('only the period\'s days are verified and counted: a change to a day outside it is not this report\'s', async () => {
  const dir = copy('tampered-before', (d) => {
    const db = new Database(join(d, `redtail-${yesterday}.db`));
    db.prepare('DELETE FROM blocks WHERE id = 1').run();
    db.close();
  });
  const whole = await reportJson(dir);
  assert.equal(whole.code, 1);
  const r = await run(['report', '--data', dir, '--pubkey', pubkey, '--from', `${today}T00:00:00Z`, '--to', TO, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const todays = JSON.parse(r.stdout) as Report;
  assert.deepEqual(todays.verify.epochs.map((e) => [e.epoch, e.ok]), [[today, true]]);
  assert.deepEqual([todays.period.days, todays.records.total], [[today], 181]);
});

test('the figures are of the records verify vouches for: a block taken out of the tables queries narrow by is still counted, and the verification says it is hidden', async () => {
  const dir = copy('hidden', (d) => {
    const db = new Database(join(d, `redtail-${today}.db`));
    db.prepare('DELETE FROM ranges WHERE id = 1').run();
    db.prepare('UPDATE blocks SET min_time = 0, max_time = 0 WHERE id = 1').run();
    db.close();
  });
  const { code, report: r } = await reportJson(dir);
  assert.equal(code, 1, 'verify fails a day whose queries miss a block');
  assert.match(JSON.stringify(r), /hidden from queries/);
  assert.equal(r.records.total, 521);
  assert.deepEqual(r.records.byDay, [{ day: yesterday, records: 340 }, { day: today, records: 181 }]);
});

test('days of the period the data folder holds nothing of are named in the verdict, not passed over as verified', async () => {
  const from = new Date(Date.parse(FROM) - 3 * 24 * HOUR).toISOString();
  const r = await run(['report', '--data', data, '--pubkey', pubkey, '--from', from, '--to', TO, '--format', 'json']);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.verify.unevidenced.length, 3);
  const md = await run(['report', '--data', data, '--pubkey', pubkey, '--from', from, '--to', TO]);
  assert.match(md.stdout, new RegExp(`^OK: the period's 2 epochs verify .*; 3 days of the period have no evidence either way \\(no shard, no checkpoint: ${report.verify.unevidenced[0]} to ${report.verify.unevidenced[2]}\\)$`, 'm'));
});

test('a period with no day in the data folder says NO EVIDENCE and exits 1', async () => {
  const r = await run(['report', '--data', data, '--pubkey', pubkey, '--from', '2000-01-01', '--to', '2000-01-02']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^## Verification: NO EVIDENCE$/m);
  assert.match(r.stdout, /^0 records in the period\.$/m);
  assert.match(r.stderr, /found NO EVIDENCE for the period/);
});
