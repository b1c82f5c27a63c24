// Record times (times.ts): any ISO 8601 form is stored in the filter's, UTC; times further than
// limits.max_clock_skew_ms from the clock, either way, or older than the retention keeps are
// refused with the bound and why; no time makes a shard file the collector would not recognise. With `redtail serve` as a
// child process: stored, queried, restarted, every shard seen again, and by prune.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { SOURCES_FILE } from '../../src/sources/ledger.js';
import { dayOf } from '../../src/store/days.js';
import { readLines } from '../../src/ingest/reader.js';
import { BatchError, type Limits, parseBatch } from '../../src/ingest/validate.js';
import { exited, get, ndjson, post, record, spawnRedtail, tempDir } from '../helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BIN = new URL('../../../../bin/redtail.js', import.meta.url).pathname;

/** A time written with an offset of its own: the same instant, as a clock at `offset` minutes from UTC shows it. */
function withOffset(ms: number, offset: number): string {
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const errorOf = (f: () => unknown): BatchError => {
  try {
    f();
  } catch (err) {
    if (err instanceof BatchError) return err;
    throw err;
  }
  assert.fail('refused');
};

test('times in any ISO 8601 form are stored in the filter\'s form, UTC; outside the bounds they are refused, saying which and why', () => {
  const now = Date.now();
  const limits: Limits = { maxRecords: 10, maxRecordBytes: 65536, maxClockSkewMs: DAY, keepDays: 7 };
  const at = now - 2 * HOUR;
  const batch = parseBatch(ndjson([
    record({ request_id: 'west', start_time: withOffset(at, -(23 * 60 + 59)) }),
    record({ request_id: 'east', start_time: withOffset(at, 14 * 60) }),
    record({ request_id: 'no-ms', start_time: new Date(at).toISOString().replace(/\.\d+Z$/, 'Z') }),
    record({ request_id: 'plain', start_time: new Date(at).toISOString() }),
    { gap: { dropped: 1, since: withOffset(at - HOUR, 330), until: withOffset(at, -90) } },
  ]), limits);
  const iso = new Date(Math.floor(at / 1000) * 1000).toISOString();
  assert.deepEqual(batch.rows.map((r) => [r.time, (JSON.parse(r.json) as { start_time: string }).start_time]), [
    [Date.parse(iso), iso], [Date.parse(iso), iso], [Date.parse(iso), iso], [at, new Date(at).toISOString()],
  ]);
  assert.deepEqual([batch.gaps[0]!.since, batch.gaps[0]!.until], [Math.floor((at - HOUR) / 1000) * 1000, Math.floor(at / 1000) * 1000]);

  const refused = (start_time: string, field = 'start_time', line = (s: string) => record({ start_time: s }), within = limits) => {
    const text = ndjson([record({ start_time: new Date(now).toISOString() }), line(start_time)]);
    const general = errorOf(() => parseBatch(text, within));
    assert.equal(general.line, 2);
    assert.equal(general.field, field);
    // The fast reader refuses it the same way, when it does not hand it back.
    try {
      assert.equal(readLines(Buffer.from(text), within), undefined, 'not taken');
    } catch (err) {
      if (!(err instanceof BatchError)) throw err;
      // The bound itself moves with the clock between the two readings.
      assert.deepEqual([err.line, err.field, err.got, err.expected.split(' 2')[0]], [general.line, general.field, general.got, general.expected.split(' 2')[0]]);
    }
    return general;
  };
  assert.match(refused('9999-12-31T23:59:59-23:59').message, /"start_time" must be a time no later than .* \(the collector's clock plus its limits.max_clock_skew_ms: check the producer's clock\), got "9999-12-31T23:59:59-23:59"/);
  assert.match(refused(new Date(now + 25 * HOUR).toISOString()).message, /no later than/);
  // Behind the clock by more than the skew: a clock gone back, or a relay's spool older than the skew.
  assert.match(refused(withOffset(now - 2 * DAY, 60)).message, /"start_time" must be a time no earlier than .* \(the collector's clock less its limits.max_clock_skew_ms: check the producer's clock, or raise the skew while a relay delivers what it held through an outage\), got "/);
  assert.match(refused(new Date(now - DAY - 60_000).toISOString()).message, /no earlier than/);
  // With a skew wider than the retention, the retention bounds the past.
  const wide: Limits = { ...limits, maxClockSkewMs: 30 * DAY };
  assert.match(refused(withOffset(now - 8 * DAY, 60), 'start_time', undefined, wide).message, /"start_time" must be a time no earlier than .*T00:00:00.000Z \(the first day the collector's retention_days keeps: an older record would be removed at once\)/);
  assert.match(refused('0000-01-01T00:00:00+01:00').message, /no earlier than/);
  // A day whose shard retention removed, and any day before it: its log is closed.
  const closed: Limits = { ...wide, deletedThrough: dayOf(now - 2 * DAY) };
  assert.match(refused(new Date(now - 2 * DAY).toISOString(), 'start_time', undefined, closed).message,
    new RegExp(`no earlier than ${dayOf(now - DAY)}T00:00:00.000Z \\(the day after ${dayOf(now - 2 * DAY)}, the last whose records retention removed`));
  const gapLine = (s: string) => ({ gap: { dropped: 1, since: s, until: new Date(now).toISOString() } });
  assert.match(refused('9999-12-31T23:59:59.999Z', 'gap.since', gapLine).message, /no later than/);
  // Within: a day ahead and a day behind, less a minute; with the skew raised, a relay's spool six days old.
  assert.equal(parseBatch(ndjson([record({ start_time: new Date(now + DAY - 60_000).toISOString() })]), limits).rows.length, 1);
  assert.equal(parseBatch(ndjson([record({ start_time: new Date(now - DAY + 60_000).toISOString() })]), limits).rows.length, 1);
  assert.equal(parseBatch(ndjson([record({ start_time: new Date(now - 6 * DAY).toISOString() })]), wide).rows.length, 1);
  // Without configured bounds, only a year of four digits; the relay's skew bounds only ahead.
  assert.match(errorOf(() => parseBatch(ndjson([record({ start_time: '9999-12-31T23:59:59-00:01' })]), { maxRecords: 1, maxRecordBytes: 4096 })).message, /a year of four digits/);
  const relay: Limits = { maxRecords: 1, maxRecordBytes: 4096, maxClockSkewMs: DAY, aheadOnly: true };
  assert.equal(parseBatch(ndjson([record({ start_time: new Date(now - 6 * DAY).toISOString() })]), relay).rows.length, 1);
  assert.match(errorOf(() => parseBatch(ndjson([record({ start_time: new Date(now + 2 * DAY).toISOString() })]), relay)).message, /no later than/);
});

test('the fast reader refuses a time out of bounds as the general way does', () => {
  const limits: Limits = { maxRecords: 10, maxRecordBytes: 65536, maxClockSkewMs: HOUR };
  const text = ndjson([record({ start_time: new Date(Date.now() + 2 * HOUR).toISOString() })]);
  const fast = errorOf(() => readLines(Buffer.from(text), limits));
  const general = errorOf(() => parseBatch(text, limits));
  assert.deepEqual([fast.line, fast.field, fast.got], [general.line, general.field, general.got]);
  assert.match(fast.message, /"start_time" must be a time no later than/);
});

const running = new Set<ChildProcess>();
after(() => { for (const child of running) child.kill('SIGKILL'); });

test('redtail serve: offset and extreme times never make a shard it does not recognise; after a restart it sees, queries and prunes every shard', async () => {
  const tmp = tempDir();
  const config = join(tmp.dir, 'config.json');
  const data = join(tmp.dir, 'data');
  // A skew of six days: the oldest record below is five days old (a relay's catch-up).
  writeFileSync(config, JSON.stringify({ retention_days: 7, limits: { max_clock_skew_ms: 6 * DAY } }));
  const serve = async () => {
    const c = await spawnRedtail(['serve', '--port', '0', '--data', data, '--config', config]);
    running.add(c.child);
    return c;
  };
  let c = await serve();
  const now = Date.now();
  // Times around midnights, written with far offsets; one a relay held for days.
  const times = [now - 5 * DAY, now - 2 * DAY - 3 * HOUR, now - DAY, now - 90_000].map((t) => Math.floor(t / 1000) * 1000);
  const forms = times.map((t, i) => withOffset(t, [-(23 * 60 + 59), 23 * 60 + 59, -330, 545][i]!));
  for (const [i, start_time] of forms.entries()) {
    const res = await post(c.url, ndjson([record({ request_id: `t${i}`, start_time })]), { 'x-redtail-batch': `times/${i}` });
    assert.equal(res.status, 200, JSON.stringify(res.json));
  }
  const gap = await post(c.url, ndjson([{ gap: { dropped: 3, since: withOffset(times[1]!, -600), until: withOffset(times[1]! + 1000, 600), source: 'far', reason: 'r' } }]), { 'x-redtail-batch': 'times/gap' });
  assert.equal(gap.status, 200);
  const refused: [string, string][] = [
    ['9999-12-31T23:59:59-23:59', 'no later than'], [withOffset(now + 6 * DAY + 2 * HOUR, -60), 'no later than'],
    [withOffset(now - 9 * DAY, 0), 'no earlier than'], ['0000-01-01T00:00:00.000+00:01', 'no earlier than'],
  ];
  for (const [start_time, why] of refused) {
    const res = await post(c.url, ndjson([record({ start_time })]));
    assert.equal(res.status, 400, start_time);
    assert.equal(res.json.field, 'start_time');
    assert.match(String(res.json.expected), new RegExp(why));
  }
  const check = async () => {
    const got = (await get(c.url, '/v1/logs?limit=100')).json.records as { request_id: string; start_time: string }[];
    assert.deepEqual(got.map((r) => [r.request_id, r.start_time]), times.map((t, i) => [`t${i}`, new Date(t).toISOString()]).reverse());
    const gaps = (await get(c.url, '/v1/gaps')).json.gaps as { since: string }[];
    assert.deepEqual(gaps.map((g) => g.since), [new Date(times[1]!).toISOString()]);
    // Every SQLite file but the sources' ledger (completeness, not records) is a shard or its words.
    const files = readdirSync(data).filter((f) => f.endsWith('.db') && f !== SOURCES_FILE);
    for (const f of files) assert.match(f, /^redtail-\d{4}-\d\d-\d\d(\.words)?\.db$/);
    const days = new Set(times.map(dayOf));
    assert.equal(files.filter((f) => !f.includes('.words')).length, days.size, 'a shard for each day, and no other');
    assert.match(await (await fetch(`${c.url}/metrics`)).text(), new RegExp(`^redtail_shards ${days.size}$`, 'm'));
  };
  await check();
  let done = exited(c.child);
  c.child.kill('SIGTERM');
  await done;
  c = await serve();
  await check();
  done = exited(c.child);
  c.child.kill('SIGTERM');
  await done;
  // Prune sees every shard: with a retention of one day, all but today's would go.
  const dry = spawnSync(process.execPath, [BIN, 'prune', '--data', data, '--retention-days', '1', '--dry-run', '--json'], { encoding: 'utf8' });
  assert.equal(dry.status, 0, dry.stderr);
  const today = dayOf(Date.now());
  assert.deepEqual(dry.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { day: string }).day).sort(), [...new Set(times.map(dayOf))].filter((d) => d < today).sort());
  tmp.remove();
});

test('a day that no month has (the 31st of a month of 30 days) is refused, in the filter\'s form and with an offset, by the fast reader and the general way alike', () => {
  // The latest month of 30 days or fewer: its 31st is a day soon after it ends, near now.
  const now = new Date();
  let y = now.getUTCFullYear();
  let m = now.getUTCMonth();
  while (new Date(Date.UTC(y, m, 31)).getUTCMonth() === m) [y, m] = m === 0 ? [y - 1, 11] : [y, m - 1];
  const day = `${y}-${String(m + 1).padStart(2, '0')}-31`;
  const limits: Limits = { maxRecords: 10, maxRecordBytes: 65536, maxClockSkewMs: 120 * DAY };
  for (const time of [`${day}T12:00:00.000Z`, `${day}T12:00:00+00:00`]) {
    const text = ndjson([record({ start_time: time })]);
    assert.equal(errorOf(() => parseBatch(text, limits)).field, 'start_time', `general way: ${time}`);
    assert.equal(errorOf(() => readLines(Buffer.from(text), limits)).field, 'start_time', `fast reader: ${time}`);
  }
});
