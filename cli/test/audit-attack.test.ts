// The audit log attacked by an insider who can write the data folder but not read the signing key
// (kept apart, log.key_file), and by network clients: what verify must still catch, and what the
// collector must not write or sign for them.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CollectorConfig, DEFAULTS } from '../../collector/src/config.js';
import { startCollector } from '../../collector/src/http/server.js';
import { auditDir, auditFile } from '../../collector/src/audit/files.js';
import { readAudit } from '../../collector/src/audit/read.js';
import { verifyAudit } from '../../collector/src/audit/verify.js';
import { checkpointEpochs, checkpointFiles, readCheckpoint } from '../../collector/src/log/checkpoints.js';
import { readVerifier } from '../../collector/src/log/keys.js';
import { verifyLog } from '../../collector/src/log/verify.js';
import { dayOf } from '../../collector/src/store/days.js';
import { ndjson, post, record, tempDir, until } from '../../collector/test/helpers.js';
import { run } from './redtail.js';

/** A data folder and, apart from it, the signing key and its public half. */
function folders() {
  const tmp = tempDir();
  return { tmp, data: join(tmp.dir, 'data'), keyFile: join(tmp.dir, 'keys', 'log.key'), pubkey: join(tmp.dir, 'keys', 'log.key.pub') };
}

async function serve(data: string, keyFile: string, more: Partial<CollectorConfig> = {}) {
  const base = structuredClone(DEFAULTS);
  const config: CollectorConfig = { ...base, data, port: 0, retentionDays: 30, log: { checkpointIntervalMs: 20, keyFile, name: 'redtail.test/audit-attack' }, ...more };
  return startCollector(config, () => undefined);
}

/** A collector run that stores a few records of now, is queried, and stops once both logs are signed. */
async function honestRun(data: string, keyFile: string, pubkey: string): Promise<void> {
  const c = await serve(data, keyFile);
  const now = Date.now();
  assert.equal((await post(c.url, ndjson([0, 1, 2].map((i) => record({ start_time: new Date(now - i).toISOString(), request_id: `r-${i}` }))))).status, 200);
  assert.equal((await fetch(`${c.url}/v1/logs?limit=5`)).status, 200);
  const key = readVerifier(pubkey);
  await until(() => verifyLog(data, key).find((r) => r.epoch === dayOf(now))?.signed === 3, 'the records signed');
  await until(() => verifyAudit(data, key).find((r) => r.epoch === dayOf(now) && r.signed >= 2), 'the query\'s entry signed');
  await c.close();
}

test('the audit log removed whole, or its latest day (entries and checkpoints), fails verify: the records\' checkpoints say the collector ran, and signed the audit log, on that day', async () => {
  const { tmp, data, keyFile, pubkey } = folders();
  try {
    await honestRun(data, keyFile, pubkey);
    const honest = await run(['verify', '--data', data, '--pubkey', pubkey]);
    assert.equal(honest.code, 0, honest.stdout + honest.stderr);

    const today = dayOf(Date.now());
    const whole = join(tmp.dir, 'whole');
    cpSync(data, whole, { recursive: true });
    rmSync(auditDir(whole), { recursive: true });
    const latest = join(tmp.dir, 'latest');
    cpSync(data, latest, { recursive: true });
    rmSync(auditFile(latest, today));
    rmSync(join(auditDir(latest), 'checkpoints', today), { recursive: true });

    for (const copy of [whole, latest]) {
      const v = await run(['verify', '--data', copy, '--pubkey', pubkey]);
      assert.equal(v.code, 1, v.stdout + v.stderr);
      assert.match(v.stdout, new RegExp(`^FAIL audit ${today}: `, 'm'));
      assert.match(v.stdout, /no audit checkpoint, though the records' checkpoints were signed that day/);
    }
  } finally {
    tmp.remove();
  }
});

test('the audit log\'s latest entries cut off with the checkpoints that vouch for them (a query hidden) fail verify: the records were signed again and again after what is left', async () => {
  const { tmp, data, keyFile, pubkey } = folders();
  try {
    await honestRun(data, keyFile, pubkey);
    const today = dayOf(Date.now());
    // Back to the audit log's first checkpoint of today: the file cut to its size, every later checkpoint of any day removed.
    const key = readVerifier(pubkey);
    const first = checkpointFiles(auditDir(data), today)[0]!;
    const kept = readCheckpoint(first, key);
    const lines = readFileSync(auditFile(data, today), 'utf8').split('\n').slice(0, kept.size);
    assert.ok(!lines.some((l) => l.includes('"action":"query"')), 'the query is among what is cut');
    writeFileSync(auditFile(data, today), lines.map((l) => `${l}\n`).join(''));
    for (const day of checkpointEpochs(auditDir(data))) {
      for (const f of checkpointFiles(auditDir(data), day)) if (readCheckpoint(f, key).time > kept.time) rmSync(f);
    }
    const v = await run(['verify', '--data', data, '--pubkey', pubkey]);
    assert.equal(v.code, 1, v.stdout + v.stderr);
    assert.match(v.stdout, new RegExp(`^FAIL audit ${today}: the records were signed \\d+ times after the audit log's latest checkpoint`, 'm'));
  } finally {
    tmp.remove();
  }
});

test('a flood of refused requests with long addresses does not grow the audit log without bound: past limits.audit_refused_bytes a minute they are counted, and the count is written', async () => {
  const { tmp, data, keyFile } = folders();
  try {
    const base = structuredClone(DEFAULTS);
    const c = await serve(data, keyFile, { tokens: [{ name: 'ops', token: 'admin-token-0123456789ab', scopes: ['admin'] }] });
    const noise = 'x'.repeat(8000);
    for (let i = 0; i < 200; i++) {
      const r = await fetch(`${c.url}/v1/logs?service=${noise}&n=${i}`, { headers: { authorization: 'Bearer wrong-token-0123456789' } });
      assert.equal(r.status, 401);
      await r.arrayBuffer();
    }
    await c.close();
    const file = auditFile(data, dayOf(Date.now()));
    const refused = readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"action":"refused"'));
    const bytes = refused.reduce((n, l) => n + l.length + 1, 0);
    assert.ok(bytes <= 2 * base.limits.auditRefusedBytes, `${bytes} bytes of refusals written for 200 requests of 8 KB`);
    const counted = refused.map((l) => JSON.parse(l) as { repeated?: number }).reduce((n, e) => n + (e.repeated ?? 1), 0);
    assert.equal(counted, 200, 'every refusal is counted, written whole or in a count');
  } finally {
    tmp.remove();
  }
});

test('an entry added to the audit log\'s file while the collector was stopped (a query framed on a token) is set aside at start, not signed', async () => {
  const { tmp, data, keyFile, pubkey } = folders();
  try {
    await honestRun(data, keyFile, pubkey);
    const today = dayOf(Date.now());
    const forged = JSON.stringify({ time: new Date().toISOString(), action: 'query', who: 'grafana', client: '10.9.9.9', asked: { service: 'payroll' }, results: 40 });
    writeFileSync(auditFile(data, today), `${readFileSync(auditFile(data, today), 'utf8')}${forged}\n`);
    const c = await serve(data, keyFile);
    await c.close();
    assert.ok(!readFileSync(auditFile(data, today), 'utf8').includes('10.9.9.9'), 'not in the audit log');
    assert.equal(readFileSync(`${auditFile(data, today)}.unsigned`, 'utf8'), `${forged}\n`, 'kept beside it, for people to see');
    const said = readAudit(data).filter((l) => l.entry.action === 'set_aside');
    assert.deepEqual(said.map((l) => [l.entry.who, l.entry.day, l.entry.entries]), [['collector', today, 1]]);
    const v = await run(['verify', '--data', data, '--pubkey', pubkey]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  } finally {
    tmp.remove();
  }
});

test('the audit log\'s latest entries cut with their checkpoints and the collector started again (which signs what is left): checkpoints copied out before, by redtail checkpoints --out, make verify --from-checkpoint fail', async () => {
  const { tmp, data, keyFile, pubkey } = folders();
  try {
    await honestRun(data, keyFile, pubkey);
    const held = join(tmp.dir, 'held');
    const out = await run(['checkpoints', '--data', data, '--out', held]);
    assert.equal(out.code, 0, out.stderr);
    const today = dayOf(Date.now());
    const key = readVerifier(pubkey);
    const first = readCheckpoint(checkpointFiles(auditDir(data), today)[0]!, key);
    const lines = readFileSync(auditFile(data, today), 'utf8').split('\n').slice(0, first.size);
    writeFileSync(auditFile(data, today), lines.map((l) => `${l}\n`).join(''));
    for (const day of checkpointEpochs(auditDir(data))) {
      for (const f of checkpointFiles(auditDir(data), day)) if (readCheckpoint(f, key).time > first.time) rmSync(f);
    }
    const c = await serve(data, keyFile);
    await c.close();
    const alone = await run(['verify', '--data', data, '--pubkey', pubkey]);
    assert.equal(alone.code, 0, `the folder alone cannot show it: ${alone.stdout}`);
    const v = await run(['verify', '--data', data, '--pubkey', pubkey, '--from-checkpoint', held]);
    assert.equal(v.code, 1, v.stdout + v.stderr);
    assert.match(v.stdout, new RegExp(`^FAIL audit ${today}: `, 'm'));
  } finally {
    tmp.remove();
  }
});
