// The audit log from a real collector process: reads, tails and refused tokens over real HTTP and
// WebSocket clients, redtail prune, redtail verify and a restart each leave their entry, with the
// token's name and the client's address; the log verifies, an altered entry makes verify fail, and
// a read token cannot list it.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { exited, get, ndjson, post, record, spawnRedtail, tempDir, until } from '../../collector/test/helpers.js';
import { dayOf } from '../../collector/src/store/days.js';
import { run } from './redtail.js';

const tmp = tempDir();
const data = join(tmp.dir, 'data');
const config = join(tmp.dir, 'config.json');
const READ = 'read-token-0123456789ab';
const ADMIN = 'admin-token-0123456789ab';
const INGEST = 'ingest-token-0123456789ab';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
type Entry = { ref: string; time: string; action: string; who: string; client?: string; [k: string]: unknown };

function writeConfig(retentionDays: number): void {
  writeFileSync(config, JSON.stringify({
    retention_days: retentionDays,
    tokens: [{ name: 'grafana', token: READ, scopes: ['read'] }, { name: 'ops', token: ADMIN, scopes: ['admin'] }, { token: INGEST, scopes: ['ingest'] }],
    log: { checkpoint_interval_ms: 50, name: 'redtail.test/audit' },
  }));
}

let collector: Awaited<ReturnType<typeof spawnRedtail>>;
const serve = () => spawnRedtail(['serve', '--port', '0', '--data', data, '--config', config]);

async function stop(): Promise<void> {
  const gone = exited(collector.child);
  collector.child.kill('SIGTERM');
  await gone;
}

/** What `look` finds, once it finds something: asked again while it finds nothing. */
async function eventually<T>(look: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let tries = 0; tries < 300; tries++) {
    const found = await look();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never happened: ${what}`);
}

/** The audit log as redtail audit --data lists it. */
async function listed(...more: string[]): Promise<Entry[]> {
  const r = await run(['audit', '--data', data, '--json', ...more]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Entry);
}

before(async () => {
  writeConfig(30);
  collector = await serve();
});
after(async () => {
  if (collector.child.exitCode === null) await stop();
  tmp.remove();
});

test('a query, a refused token and a tail each write an entry with the token\'s name and the client\'s address', async () => {
  const now = Date.now();
  const records = [0, 1, 2].map((i) => record({ start_time: new Date(now - i * 1000).toISOString(), service: 'checkout', request_id: `a-${i}` }));
  assert.equal((await post(collector.url, ndjson(records), { ...bearer(INGEST), 'x-redtail-batch': 'audit/1' })).status, 200);
  const q = await get(collector.url, '/v1/logs?service=checkout&limit=10', bearer(READ));
  assert.equal(q.status, 200);
  assert.equal(await get(collector.url, '/v1/logs', bearer('not-a-token-0123456789')).then((r) => r.status), 401);

  const ws = new WebSocket(`${collector.url.replace('http', 'ws')}/v1/tail?service=checkout`, { headers: bearer(READ) });
  let received = 0;
  ws.on('message', (m) => (received += String(m).split('\n').length));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  assert.equal((await post(collector.url, ndjson([record({ start_time: new Date().toISOString(), service: 'checkout' })]), { ...bearer(INGEST), 'x-redtail-batch': 'audit/2' })).status, 200);
  await until(() => received === 1, 'the tailed record');
  ws.close();
  await new Promise((resolve) => ws.once('close', resolve));

  const entries = await eventually(async () => {
    const all = await listed();
    return all.some((e) => e.action === 'tail_end') ? all : undefined;
  }, 'the tail\'s end in the audit log');
  const query = entries.find((e) => e.action === 'query')!;
  assert.deepEqual([query.who, query.client, query.results, query.asked], ['grafana', '127.0.0.1', 3, { service: 'checkout', limit: '10' }]);
  const refused = entries.find((e) => e.action === 'refused')!;
  assert.deepEqual([refused.who, refused.client, refused.status, refused.route], ['unknown', '127.0.0.1', 401, 'GET /v1/logs']);
  const start = entries.find((e) => e.action === 'tail_start')!;
  const end = entries.find((e) => e.action === 'tail_end')!;
  assert.deepEqual([start.who, start.client, start.asked], ['grafana', '127.0.0.1', { service: 'checkout' }], 'the token is not written');
  assert.deepEqual([end.who, end.client, end.sent], ['grafana', '127.0.0.1', 1]);
  assert.ok(typeof end.duration_ms === 'number');
  assert.ok(entries.every((e) => !JSON.stringify(e).includes(READ) && !JSON.stringify(e).includes('not-a-token')), 'no token is ever written');
});

test('GET /v1/audit: an admin token lists the log; a read token is refused 403, and that is audited', async () => {
  const denied = await get(collector.url, '/v1/audit', bearer(READ));
  assert.equal(denied.status, 403);
  const r = await run(['audit', '--url', collector.url, '--token', ADMIN, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const entries = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Entry);
  const refused = entries.find((e) => e.action === 'refused' && e.route === 'GET /v1/audit')!;
  assert.deepEqual([refused.who, refused.status], ['grafana', 403]);
  const table = await run(['audit', '--url', collector.url, '--token', ADMIN, '--utc']);
  assert.match(table.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z\s+grafana\s+127\.0\.0\.1\s+query\s+asked=\{"service":"checkout","limit":"10"\} results=3\s+\(\d{4}-\d\d-\d\d#\d+\)$/m);
  const metrics = await fetch(`${collector.url}/metrics`).then((m) => m.text());
  assert.match(metrics, /^redtail_audit_refused_total [1-9]/m);
  assert.match(metrics, /^redtail_audit_entries_total [1-9]/m);
});

test('a restart: stop and start entries with the config\'s digest, a changed config shows; verify\'s entry is taken in', async () => {
  // A record of yesterday, for prune to remove below.
  const yesterday = Date.parse(dayOf(Date.now())) - 1;
  assert.equal((await post(collector.url, ndjson([record({ start_time: new Date(yesterday).toISOString(), request_id: 'old' })]), { ...bearer(INGEST), 'x-redtail-batch': 'audit/3' })).status, 200);
  await eventually(async () => (await run(['verify', '--data', data, '--json'])).stdout.includes(`"epoch":"${dayOf(yesterday)}","ok":true,"records":1,"checkpoints"`) || undefined, 'yesterday signed');
  await stop();
  const v = await run(['verify', '--data', data]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /^OK   audit \d{4}-\d\d-\d\d  \d+ entries/m);
  writeConfig(29);
  collector = await serve();
  const entries = await eventually(async () => {
    const all = await listed();
    return all.filter((e) => e.action === 'start').length === 2 ? all : undefined;
  }, 'the second start');
  const [first, second] = entries.filter((e) => e.action === 'start');
  const stopped = entries.find((e) => e.action === 'stop')!;
  assert.equal(stopped.who, 'collector');
  assert.equal(stopped.config, first!.config);
  assert.notEqual(second!.config, first!.config);
  assert.equal(second!.config_changed_from, first!.config);
  const verified = entries.filter((e) => e.action === 'verify');
  assert.ok(verified.length >= 1 && verified.every((e) => /^os:/.test(e.who)), 'verify runs left in the inbox were taken in');
  await stop();
});

test('redtail prune writes its entry and a deletion entry; verify cites it for the deleted day', async () => {
  const day = dayOf(Date.parse(dayOf(Date.now())) - 1);
  const p = await run(['prune', '--data', data, '--config', config, '--retention-days', '1']);
  assert.equal(p.code, 0, p.stderr);
  const entries = await listed();
  const prune = entries.find((e) => e.action === 'prune')!;
  assert.match(prune.who, /^os:/);
  assert.deepEqual(prune.removed, [day]);
  const deleted = entries.find((e) => e.action === 'deleted')!;
  assert.deepEqual([deleted.epoch, deleted.records, deleted.by, deleted.who], [day, 1, 'redtail prune --retention-days 1', prune.who]);
  const v = await run(['verify', '--data', data]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, new RegExp(`^DEL  ${day}  1 records, deleted by os:\\S+: redtail prune --retention-days 1 on \\S+Z, audit entry ${deleted.ref};`, 'm'));
});

test('an audit entry altered in its file makes verify fail for that day, naming the entries', async () => {
  const copy = join(tmp.dir, 'altered');
  cpSync(data, copy, { recursive: true });
  const file = join(copy, 'audit', `${dayOf(Date.now())}.ndjson`);
  writeFileSync(file, readFileSync(file, 'utf8').replace('"who":"grafana"', '"who":"someone"'));
  const v = await run(['verify', '--data', copy]);
  assert.equal(v.code, 1, v.stdout);
  assert.match(v.stdout, new RegExp(`^FAIL audit ${dayOf(Date.now())}: entries changed: the first \\d+ entries do not give the root signed in`, 'm'));
  assert.match(v.stderr, /audit log: 1 of \d+ days FAILED/);
});

test('a run killed without a stop entry is named by the next start', async () => {
  collector = await serve();
  const started = async (n: number) => eventually(async () => {
    const all = (await listed()).filter((e) => e.action === 'start');
    return all.length === n ? all : undefined;
  }, `start ${n}`);
  await started(3);
  const gone = exited(collector.child);
  collector.child.kill('SIGKILL');
  await gone;
  collector = await serve();
  const starts = await started(4);
  assert.equal(starts[2]!.unclean_stop, undefined, 'the run before it stopped');
  assert.equal(starts[3]!.unclean_stop, `the run started ${starts[2]!.time} has no stop entry: it was killed or crashed`);
  await stop();
});
