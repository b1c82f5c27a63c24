// A data folder that cannot be used is named with the system's code, one line, exit 1: not a
// stack trace, and not a line about the port (a folder's EACCES is not a listen's).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from './redtail.js';

/** A folder any user may enter, removed after fn. */
async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'redtail-folder-'));
  chmodSync(dir, 0o755);
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const oneLine = (stderr: string) => assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);

test('serve, prune and relay (its spool) with a file where the folder should be: one line naming it and EEXIST or ENOTDIR, exit 1', () => inTemp(async (dir) => {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  for (const [command, ...extra] of [['serve', '--port', '0'], ['prune'], ['prune', '--dry-run']] as [string, ...string[]][]) {
    const exists = await run([command, '--data', file, ...extra]);
    assert.equal(exists.code, 1, exists.stderr);
    assert.equal(exists.stderr, `redtail ${command}: cannot use the data folder ${file}: EEXIST: a file, not a folder, is there (give a folder)\n`);
  }
  const spool = await run(['relay', '--spool', file, '--listen', '0', '--upstream', 'ws://127.0.0.1:9/v1/stream']);
  assert.equal(spool.code, 1, spool.stderr);
  assert.equal(spool.stderr, `redtail relay: cannot use the spool ${file}: EEXIST: a file, not a folder, is there (give a folder)\n`);
  const under = await run(['serve', '--data', join(file, 'sub'), '--port', '0']);
  assert.equal(under.code, 1, under.stderr);
  assert.match(under.stderr, new RegExp(`^redtail serve: cannot use the data folder ${file}/sub: ENOTDIR: part of the path is a file`));
  oneLine(under.stderr);
}));

test('serve as a user who may not write the data folder: EACCES and the folder, not the port', { skip: process.getuid?.() !== 0 && 'needs root, to run the command as another user' }, () => inTemp(async (dir) => {
  const ro = join(dir, 'read-only');
  mkdirSync(ro, { mode: 0o555 });
  chmodSync(ro, 0o555);
  const nobody = 65534;
  const here = await run(['serve', '--data', ro, '--port', '0'], { uid: nobody });
  assert.equal(here.code, 1, here.stderr);
  assert.match(here.stderr, new RegExp(`^redtail serve: cannot use the data folder ${ro}: EACCES: permission denied`));
  assert.doesNotMatch(here.stderr, /port/);
  oneLine(here.stderr);
  const below = await run(['serve', '--data', join(ro, 'missing', 'data'), '--port', '0'], { uid: nobody });
  assert.equal(below.code, 1, below.stderr);
  assert.match(below.stderr, new RegExp(`^redtail serve: cannot use the data folder ${ro}/missing/data: EACCES: permission denied`));
  oneLine(below.stderr);
}));

test('a data folder in use by a running collector is exit 1, not a usage error', () => inTemp(async (dir) => {
  // This test's own process stands for the running holder.
  writeFileSync(join(dir, 'redtail.lock'), `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() })}\n`);
  for (const command of ['serve', 'prune']) {
    const r = await run([command, '--data', dir, ...(command === 'serve' ? ['--port', '0'] : [])]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^redtail ${command}: ${dir} is in use`));
    oneLine(r.stderr);
  }
}));
