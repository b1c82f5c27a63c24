// One writer per data folder (store/lock.ts): a second collector or prune is refused, naming the
// holder; a lock left by a process that is gone is taken over.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FolderInUse, FolderLock, LOCK_FILE } from '../../src/index.js';
import { exited, spawnRedtail, tempDir } from '../helpers.js';

const BIN = new URL('../../../../bin/redtail.js', import.meta.url).pathname;

test('redtail serve holds its data folder: a second serve and a prune are refused naming it; after kill -9 the next takes over', async (t) => {
  const tmp = tempDir();
  t.after(() => tmp.remove());
  const first = await spawnRedtail(['serve', '--data', tmp.dir, '--port', '0']);
  t.after(() => first.child.kill('SIGKILL'));
  const second = spawnSync(process.execPath, [BIN, 'serve', '--data', tmp.dir, '--port', '0'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(second.status, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`in use by redtail pid ${first.child.pid} .*one writer per data folder`));
  const prune = spawnSync(process.execPath, [BIN, 'prune', '--data', tmp.dir], { encoding: 'utf8' });
  assert.equal(prune.status, 1);
  assert.match(prune.stderr, /in use by redtail pid .*prunes on its own/);
  assert.equal(spawnSync(process.execPath, [BIN, 'prune', '--data', tmp.dir, '--dry-run'], { encoding: 'utf8' }).status, 0, 'a dry run writes nothing: no lock needed');

  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));
  assert.ok(existsSync(join(tmp.dir, LOCK_FILE)), 'kill -9 leaves the lock behind');
  const third = await spawnRedtail(['serve', '--data', tmp.dir, '--port', '0']);
  // no_tokens is said in the same turn as the signal handlers are set: a SIGTERM before them would kill it outright.
  while (!third.stderr.some((l) => l.includes('"no_tokens"'))) await new Promise((r) => setTimeout(r, 10));
  const stopped = new Promise((r) => third.child.once('exit', r));
  third.child.kill('SIGTERM');
  await stopped;
  assert.ok(!existsSync(join(tmp.dir, LOCK_FILE)), 'a clean stop gives the folder back');
});

test('in one process the folder is held once; a lock of another host is refused with what to do; our own pid in a lock we do not hold is a past life', () => {
  const tmp = tempDir();
  const lock = FolderLock.take(tmp.dir);
  assert.throws(() => FolderLock.take(tmp.dir), (e: unknown) => e instanceof FolderInUse && /in use by another collector in this process/.test(e.message));
  lock.release();
  FolderLock.take(tmp.dir).release();

  writeFileSync(join(tmp.dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere.example', since: '2026-12-01T00:00:00.000Z' }));
  assert.throws(() => FolderLock.take(tmp.dir), /in use by a redtail on elsewhere\.example .*If that process is gone, remove .*redtail\.lock/);

  // A restarted container: same host, and the pid it had before is its own again.
  writeFileSync(join(tmp.dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-12-01T00:00:00.000Z' }));
  FolderLock.take(tmp.dir).release();
  writeFileSync(join(tmp.dir, LOCK_FILE), 'half a lo');
  FolderLock.take(tmp.dir).release();
  tmp.remove();
});

test('a lock naming our pid on our host, written after this process started, is another container\'s (its own pid namespace, the host\'s name): refused, not taken as a past life', () => {
  const tmp = tempDir();
  writeFileSync(join(tmp.dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
  assert.throws(() => FolderLock.take(tmp.dir), (e: unknown) => e instanceof FolderInUse && /in use by a redtail that has this process's pid .* in another container/.test(e.message));
  tmp.remove();
});

test('starters racing for one folder: exactly one holds it, every other is refused naming that one, and no temporary file is left', async () => {
  const tmp = tempDir();
  const lock = new URL('../../src/store/lock.js', import.meta.url).href;
  // Each waits for the same instant, then takes the folder and holds it until its stdin closes.
  const at = Date.now() + 1500;
  const script = `import { FolderLock } from ${JSON.stringify(lock)};
    while (Date.now() < ${at});
    try { FolderLock.take(${JSON.stringify(tmp.dir)}); console.log('held'); } catch (e) { console.log('refused: ' + e.message); }
    process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`;
  const starters = Array.from({ length: 6 }, () => spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }));
  try {
    const said = await Promise.all(starters.map((child) => new Promise<string>((resolve) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.endsWith('\n')) resolve(out.trim());
      });
    })));
    const holders = starters.filter((_, i) => said[i] === 'held');
    assert.equal(holders.length, 1, said.join('\n'));
    for (const s of said.filter((s) => s !== 'held')) assert.match(s, new RegExp(`^refused: .* is in use by redtail pid ${holders[0]!.pid} `));
    assert.deepEqual(readdirSync(tmp.dir), [LOCK_FILE]);
    assert.equal(JSON.parse(readFileSync(join(tmp.dir, LOCK_FILE), 'utf8')).pid, holders[0]!.pid);
  } finally {
    await Promise.all(starters.map((child) => {
      const done = exited(child);
      child.stdin!.end();
      return done;
    }));
    tmp.remove();
  }
});
