// Attacks on redtail report: values a producer chose (services, redaction rule names, a gap
// notice's reason) that would be markup in HTML or commands to the operator's terminal, a period
// of one millisecond, a period ending before any data, --out into a folder that is not there, and
// services and rules made up per record.
import assert from 'node:assert/strict';
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exited, ndjson, post, record, spawnRedtail, tempDir } from '../../collector/test/helpers.js';
import { run } from './redtail.js';

const tmp = tempDir();
const data = join(tmp.dir, 'data');
const pubkey = join(tmp.dir, 'auditor.pub');
const ESC = '\u001b';
const CSI = '\u009b';
const HOSTILE = [`</svg><script>alert(1)</script>`, `${ESC}]0;owned${ESC}\\${ESC}[2J`, `a|b](javascript:alert(1))`, `c${CSI}31md`];
const sentAt = Date.now() - 60_000;
const FROM = new Date(sentAt - 3_600_000).toISOString();
const TO = new Date(Date.now() + 60_000).toISOString();

before(async () => {
  const c = await spawnRedtail(['serve', '--port', '0', '--data', data]);
  const records = HOSTILE.map((service, i) => record({ service, start_time: new Date(sentAt + i).toISOString(), request_id: `r-${i}`, redactions: { [service]: 1 } }));
  const gap = { gap: { dropped: 3, since: new Date(sentAt).toISOString(), until: new Date(sentAt + 1).toISOString(), source: HOSTILE[1], reason: HOSTILE[0] } };
  assert.equal((await post(c.url, ndjson([...records, gap]), { 'x-redtail-batch': 'sidecar-x/1' })).status, 200);
  const gone = exited(c.child);
  c.child.kill('SIGTERM');
  await gone;
  cpSync(join(data, 'log.key.pub'), pubkey);
});
after(() => tmp.remove());

const report = (...more: string[]) => run(['report', '--data', data, '--pubkey', pubkey, ...more]);

test('hostile services, rule names and reasons: no markup in the HTML, no control character on the terminal in any format', async () => {
  for (const format of ['md', 'html', 'json']) {
    const r = await report('--from', FROM, '--to', TO, '--format', format);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(r.stdout), `${format}: no control character reaches the terminal`);
    if (format === 'json') {
      const parsed = JSON.parse(r.stdout) as { records: { total: number } };
      assert.equal(parsed.records.total, HOSTILE.length, 'the values are kept, escaped as JSON');
      assert.ok(r.stdout.includes('\\u001b]0;owned') && r.stdout.includes('\\u009b'), 'json: the values as JSON escapes');
    }
    if (format === 'html') {
      assert.ok(!r.stdout.includes('<script>alert'), 'html: no script from a value');
      assert.ok(!r.stdout.includes('</svg><script'), 'html: no chart closed by a value');
    }
    if (format === 'md') assert.ok(!r.stdout.includes('a|b]('), 'md: no column or link from a value');
  }
});

test('a period of one millisecond, and one that ends before any data: reports of nothing, not errors', async () => {
  const one = await report('--from', new Date(sentAt).toISOString(), '--to', new Date(sentAt + 1).toISOString(), '--format', 'json');
  assert.equal(one.code, 0, one.stderr);
  assert.equal((JSON.parse(one.stdout) as { records: { total: number } }).records.total, 1);
  const before = await report('--from', '2001-01-01', '--to', '2001-01-02', '--format', 'html');
  assert.equal(before.code, 1);
  assert.match(before.stderr, /found NO EVIDENCE/);
  assert.ok(!/\n\s+at /.test(before.stderr), 'no stack trace');
});

test('--out into a folder that is not there: a usage error naming it, before the records are read, and nothing written', async () => {
  const out = join(tmp.dir, 'missing', 'report.md');
  const r = await report('--from', FROM, '--to', TO, '--out', out);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--out: no folder .*missing/);
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
  assert.ok(!/reading records/.test(r.stderr));
  assert.ok(!existsSync(join(tmp.dir, 'missing')));
  writeFileSync(join(tmp.dir, 'a-file'), '');
  const under = await report('--from', FROM, '--to', TO, '--out', join(tmp.dir, 'a-file', 'report.md'));
  assert.equal(under.code, 2, under.stderr);
});

test('a producer naming a new service and redaction rule in each record does not grow the report: the most counted are named, the rest summed in one row that says how many', async () => {
  const dir = join(tmp.dir, 'many');
  const c = await spawnRedtail(['serve', '--port', '0', '--data', dir]);
  const records = Array.from({ length: 2000 }, (_, i) => record({ service: `made-up-${i}`, start_time: new Date(sentAt + i).toISOString(), request_id: `m-${i}`, redactions: { [`rule-${i}`]: 1 } }));
  assert.equal((await post(c.url, ndjson(records), { 'x-redtail-batch': 'sidecar-many/1' })).status, 200);
  const gone = exited(c.child);
  c.child.kill('SIGTERM');
  await gone;
  const r = await run(['report', '--data', dir, '--from', FROM, '--to', TO, '--format', 'json']);
  const parsed = JSON.parse(r.stdout) as { records: { byService: unknown[] }; redactions: { rules: unknown[] } };
  assert.ok(parsed.records.byService.length <= 101, `services named: ${parsed.records.byService.length}`);
  assert.ok(parsed.redactions.rules.length <= 101, `rules named: ${parsed.redactions.rules.length}`);
  const byService = parsed.records.byService as { service: string; records: number }[];
  assert.deepEqual(byService.find((s) => s.service.startsWith('(')), { service: '(1,900 other services)', records: 1900 });
  assert.equal(byService.reduce((n, s) => n + s.records, 0), 2000, 'every record still counted');
  const rules = parsed.redactions.rules as { rule: string; count: number }[];
  assert.deepEqual(rules.at(-1), { rule: '(1,900 other rules)', count: 1900, records: 1900 });
});

test('a sources.db that cannot be read: the report is still written, and says that batches missing and silences are not known', async () => {
  const dir = join(tmp.dir, 'spoilt');
  cpSync(data, dir, { recursive: true });
  for (const f of ['sources.db-wal', 'sources.db-shm']) rmSync(join(dir, f), { force: true });
  writeFileSync(join(dir, 'sources.db'), Buffer.alloc(8192, 0x41));
  const r = await run(['report', '--data', dir, '--pubkey', pubkey, '--from', FROM, '--to', TO]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /sources\.db could not be read \(.*\): batches missing and silences are not known\./);
  const json = JSON.parse((await run(['report', '--data', dir, '--pubkey', pubkey, '--from', FROM, '--to', TO, '--format', 'json'])).stdout) as { gaps: { unreadable: string | null } };
  assert.match(String(json.gaps.unreadable), /^sources\.db could not be read/);
});
