// The exporters' thread gives way to ingest: in a collector started as a child process with an
// exporter, exactly one of its threads runs at nice 10 (the exporters'), the others at the
// process's own 0; without an exporter, none does.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { collectorProcess, until } from '../helpers.js';

/** Each thread's nice value (field 19 of /proc/<pid>/task/<tid>/stat, counted after the command's closing parenthesis). */
function niceValues(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

test('the exporters run in one thread at nice 10, the collector\'s own threads at 0', { skip: process.platform !== 'linux' && 'per-thread nice is Linux\'s' }, async () => {
  const c = await collectorProcess({ exporters: [{ name: 'out', type: 'ndjson', endpoint: 'http://127.0.0.1:9' }] });
  try {
    await until(() => niceValues(c.child.pid!).includes(10), 'the exporters\' thread lowered', { timeoutMs: 10_000 });
    const values = niceValues(c.child.pid!);
    assert.equal(values.filter((n) => n === 10).length, 1, `one thread at 10: ${values}`);
    assert.ok(values.filter((n) => n === 0).length >= 2, `the others at 0: ${values}`);
  } finally {
    await c.stop();
  }
  const plain = await collectorProcess();
  try {
    assert.deepEqual(niceValues(plain.child.pid!).filter((n) => n !== 0), [], 'no exporter, no thread lowered');
  } finally {
    await plain.stop();
  }
});
