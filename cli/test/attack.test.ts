// The CLI attacked through what a producer holding the ingest token can put in records: text
// that is read as a terminal command, or a record dressed as the collector's own notice.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { collector, ndjson, post, record } from '../../collector/test/helpers.js';
import { BIN, run } from './redtail.js';

/** `redtail tail <args>` as a child process: its output so far, and `until` to wait for a condition on it. */
function tailProcess(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'tail', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  return {
    out,
    until: async (cond: () => boolean) => {
      while (!cond()) {
        assert.equal(child.exitCode, null, `the tail exited; stderr: ${out.stderr}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    },
  };
}

test('a record with a "dropped" field is shown by redtail tail as the record, not as a drop notice that hides it', async (t) => {
  const c = await collector();
  const tail = tailProcess(['--url', c.url]);
  t.after(async () => { await tail.stop(); await c.stop(); });
  await tail.until(() => tail.out.stderr.includes('connected'));
  // A 500 that a compromised producer wants the operator not to see.
  await post(c.url, ndjson([record({ request_id: 'hidden-500', response_code: 500, dropped: 3 }), record({ request_id: 'after' })]), { 'x-redtail-batch': 'spoof/1' });
  await tail.until(() => tail.out.stdout.includes('after'));
  const lines = tail.out.stdout.trim().split('\n');
  assert.equal(lines.length, 2, tail.out.stdout);
  assert.match(lines[0]!, /500.*hidden-500$/);
  assert.doesNotMatch(tail.out.stdout, /records dropped/);
});

test('query --json and tail --json write C1 controls and bidirectional overrides as JSON escapes: the output is still exact JSON, but nothing in it drives a terminal', async (t) => {
  const c = await collector();
  const tail = tailProcess(['--url', c.url, '--json']);
  t.after(async () => { await tail.stop(); await c.stop(); });
  await tail.until(() => tail.out.stderr.includes('connected'));
  // CSI and OSC in one character each (C1), a right-to-left override, a line separator.
  const evil = { request_id: 'id-\u009b2J-\u009d0;owned\u009c-\u202etxt.exe', path: '/\u0085\u2028x' };
  await post(c.url, ndjson([record(evil)]), { 'x-redtail-batch': 'c1/1' });
  await tail.until(() => tail.out.stdout.includes('\n'));
  const query = await run(['query', '--url', c.url, '--json']);
  assert.equal(query.code, 0, query.stderr);
  for (const out of [query.stdout, tail.out.stdout]) {
    assert.doesNotMatch(out, /[\u0080-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/, JSON.stringify(out));
    const r = JSON.parse(out) as Record<string, unknown>;
    assert.deepEqual({ request_id: r.request_id, path: r.path }, evil);
  }
});
