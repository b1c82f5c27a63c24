// Server commands on a port already taken: one line naming the port and what to do, exit 1, no
// stack trace, and nothing left behind that claims to run (the data folder's lock is free).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, run } from './redtail.js';

/** A port held by another program until release(). */
async function takenPort(): Promise<{ port: number; release(): Promise<void> }> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as AddressInfo).port, release: () => new Promise((r) => s.close(() => r())) };
}

const inUse = (port: number, flag: string) => new RegExp(`^redtail \\S+: port ${port} on 127\\.0\\.0\\.1 is already in use .*: stop it, or give another with ${flag} N \\(${flag} 0 for any free port\\)`, 'm');

test('redtail serve on a port in use: one line, exit 1, and the data folder is left free', async () => {
  const taken = await takenPort();
  const dir = mkdtempSync(join(tmpdir(), 'redtail-ports-'));
  try {
    const r = await run(['serve', '--port', String(taken.port), '--data', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, inUse(taken.port, '--port'));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    // Nothing holds the folder: a command that takes its lock runs.
    const prune = await run(['prune', '--data', dir]);
    assert.equal(prune.code, 0, prune.stderr);
  } finally {
    await taken.release();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('redtail relay on a port in use: one line, exit 1', async () => {
  const taken = await takenPort();
  const dir = mkdtempSync(join(tmpdir(), 'redtail-ports-'));
  try {
    const r = await run(['relay', '--listen', String(taken.port), '--upstream', 'ws://127.0.0.1:9/v1/stream', '--spool', join(dir, 'spool')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr.split('\n').filter((l) => !l.startsWith('{')).join('\n'), inUse(taken.port, '--listen'));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    await taken.release();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('redtail proxy: its port or its admin port in use is one line and exit 1; --admin off runs without the admin port', async () => {
  const taken = await takenPort();
  try {
    const listen = await run(['proxy', '--listen', String(taken.port), '--admin', '0', '--filter', 'none']);
    assert.equal(listen.code, 1);
    assert.match(listen.stderr, inUse(taken.port, '--listen'));
    // A second proxy beside a first: the admin port is the one taken.
    const admin = await run(['proxy', '--listen', '0', '--admin', String(taken.port)]);
    assert.equal(admin.code, 1);
    assert.match(admin.stderr, inUse(taken.port, '--admin'));
    assert.match(admin.stderr, /or --admin off to run without it/);
    assert.doesNotMatch(admin.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    await taken.release();
  }
  const off = spawn(process.execPath, [BIN, 'proxy', '--listen', '0', '--admin', 'off', '--filter', 'none'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((r) => off.once('exit', r));
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    off.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes('\n')) resolve();
    });
    off.once('exit', () => reject(new Error(stderr)));
  });
  assert.match(stderr, /^redtail proxy: listening on http:\/\/\S+ -> .*; admin off\n$/);
  off.kill('SIGTERM');
  assert.equal(await exited, 0);
});
