// `npm start` as a user runs it: npm itself, in its own process group as a terminal would start
// it. The banner's commands are run as printed, through a shell; Ctrl-C (SIGINT to the group)
// and a SIGTERM to npm alone (a process manager's stop) both leave no process behind.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, until } from '../../collector/test/helpers.js';
import { NdjsonReceiver } from '../../collector/test/export/ndjson-receiver.js';

const ROOT = new URL('../../../', import.meta.url).pathname;

/** Every process below `pid`, from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
  }
  const out: number[] = [];
  const walk = (p: number) => (parents.get(p) ?? []).forEach((c) => (out.push(c), walk(c)));
  walk(pid);
  return out;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

/** `npm start` in a process group of its own, on free ports and a data folder in `data`; resolved when the banner is out. */
async function npmStart(data: string, cwd = ROOT, env: NodeJS.ProcessEnv = {}): Promise<{ npm: ChildProcess; output: () => string }> {
  const npm = spawn('npm', ['start'], {
    cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, REDTAIL_PORT: '0', REDTAIL_PROXY_PORT: '0', REDTAIL_UPSTREAM_PORT: '0', REDTAIL_DATA: data, npm_config_update_notifier: 'false', ...env },
  });
  let out = '';
  npm.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  npm.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise((r) => npm.once('exit', r));
  await Promise.race([until(() => out.includes('Ctrl-C stops everything'), 'the banner', { timeoutMs: 20_000 }),
    exited.then(() => assert.fail(`npm start exited before its banner:\n${out}`))]).catch((err) => {
    try {
      process.kill(-npm.pid!, 'SIGKILL'); // nothing of it left behind by a failed start
    } catch {
      // already gone
    }
    throw err;
  });
  return { npm, output: () => out };
}

const exit = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

test('the banner\'s commands run as printed, from the clone, on the data folder of REDTAIL_DATA; URLs quoted, no npx', async () => {
  const work = tempDir();
  const data = join(work.dir, 'audit data');
  const { npm, output } = await npmStart(data);
  try {
    const banner = output();
    assert.ok(banner.includes(`(data in ${data})`), banner);
    assert.ok(banner.includes(`filter      build/filter.wasm   (${statSync(join(ROOT, 'build/filter.wasm')).size} bytes, on 2 workers)`), banner);
    const commands = banner.split('\n').map((l) => l.trim()).filter((l) => /^(curl|node) /.test(l));
    assert.ok(commands.length >= 3, banner);
    assert.doesNotMatch(banner, /npx/);
    for (const c of commands) assert.doesNotMatch(c, /(^|[^'])https?:\/\//, `an unquoted URL in: ${c}`);
    // The curl line goes over two lines, joined by the shell's backslash-newline.
    const curl = banner.slice(banner.indexOf('curl -s'), banner.indexOf('\n', banner.indexOf('-d \'')));
    const sh = (line: string) => execFileSync('sh', ['-c', line], { cwd: ROOT, encoding: 'utf8' });
    assert.match(sh(curl), /"card"/);
    const query = commands.find((c) => c.includes(' query '))!;
    const answer = await until(() => {
      const text = sh(query);
      return text.includes('/checkout?token=[SECRET_PARAM]') && text;
    }, 'the curl line\'s record', { timeoutMs: 20_000 });
    assert.doesNotMatch(answer, /abc123/);
    process.kill(-npm.pid!, 'SIGINT');
    await exit(npm);
    assert.ok(readdirSync(data).length > 0, 'the collector wrote to REDTAIL_DATA');
  } finally {
    for (const p of [npm.pid!, ...descendants(npm.pid!)].filter(alive)) process.kill(p, 'SIGKILL');
    work.remove();
  }
});

for (const how of ['Ctrl-C (SIGINT to the process group)', 'SIGTERM to npm alone', 'SIGKILL to npm alone (its shell survives it)'] as const) {
  test(`npm start stopped by ${how}: a last line says so, and no process is left`, async () => {
    const work = tempDir();
    const { npm, output } = await npmStart(join(work.dir, 'data'));
    const pids = descendants(npm.pid!);
    try {
      assert.ok(pids.length > 0);
      if (how === 'SIGTERM to npm alone') process.kill(npm.pid!, 'SIGTERM');
      else if (how.startsWith('SIGKILL')) process.kill(npm.pid!, 'SIGKILL');
      else process.kill(-npm.pid!, 'SIGINT');
      await exit(npm);
      const left = await until(() => !pids.some(alive) && [], 'every process npm started gone', { timeoutMs: 15_000 })
        .catch(() => pids.filter(alive).map((p) => `${p}: ${readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ')}`));
      assert.deepEqual(left, [], output());
      await until(() => /redtail stopped\b.*\n$/.test(output()), 'the last line', { timeoutMs: 5_000 })
        .catch(() => assert.fail(`no "redtail stopped" line at the end:\n${output()}`));
    } finally {
      for (const p of pids.filter(alive)) process.kill(p, 'SIGKILL');
      work.remove();
    }
  });
}

test('a second npm start on a data folder in use names the folder, the pid holding it and REDTAIL_DATA', async () => {
  const work = tempDir();
  const data = join(work.dir, 'data');
  const { npm } = await npmStart(data);
  const pids = descendants(npm.pid!);
  try {
    const holder = (JSON.parse(readFileSync(join(data, 'redtail.lock'), 'utf8')) as { pid: number }).pid;
    const second = spawnSync(process.execPath, [join(ROOT, 'scripts/start.js')], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, REDTAIL_PORT: '0', REDTAIL_PROXY_PORT: '0', REDTAIL_UPSTREAM_PORT: '0', REDTAIL_DATA: data },
    });
    assert.equal(second.status, 1, second.stderr);
    assert.ok(second.stderr.includes(`cannot start the collector: ${data} is in use by redtail pid ${holder} `), second.stderr);
    assert.match(second.stderr, /set REDTAIL_DATA to another folder/);
    assert.doesNotMatch(second.stderr, /port|--data/);
    process.kill(-npm.pid!, 'SIGINT');
    await exit(npm);
  } finally {
    for (const p of pids.filter(alive)) process.kill(p, 'SIGKILL');
    work.remove();
  }
});

test('npm start with REDTAIL_CONFIG: its collector takes the file (an exporter sends the curl line\'s record on; the filter sends its ingest token); a file it refuses stops the start, saying why', async () => {
  const work = tempDir();
  const receiver = new NdjsonReceiver();
  const config = join(work.dir, 'collector.json');
  writeFileSync(config, JSON.stringify({
    tokens: [{ name: 'demo', token: 'demo-token-5f2a9c81d7e04b6f', scopes: ['ingest', 'read'] }],
    exporters: [{ name: 'copy', type: 'ndjson', endpoint: await receiver.listen(), batch: { wait_ms: 0 } }],
  }));
  const { npm, output } = await npmStart(join(work.dir, 'data'), ROOT, { REDTAIL_CONFIG: config });
  const pids = descendants(npm.pid!);
  try {
    const banner = output();
    assert.match(banner, /the collector asks for tokens: give the commands one with the read scope/);
    const curl = banner.slice(banner.indexOf('curl -s'), banner.indexOf('\n', banner.indexOf('-d \'')));
    execFileSync('sh', ['-c', curl], { cwd: ROOT, encoding: 'utf8' });
    await until(() => receiver.accepted.some((r) => String(r.path).startsWith('/checkout')), 'the record exported', { timeoutMs: 20_000 });
    process.kill(-npm.pid!, 'SIGINT');
    await exit(npm);
    writeFileSync(config, JSON.stringify({ exporters: [{ name: 'copy', type: 'nope' }] }));
    const refused = spawnSync(process.execPath, [join(ROOT, 'scripts/start.js')], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, REDTAIL_PORT: '0', REDTAIL_PROXY_PORT: '0', REDTAIL_UPSTREAM_PORT: '0', REDTAIL_DATA: join(work.dir, 'data'), REDTAIL_CONFIG: config },
    });
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /^redtail: collector config: "exporters\[0\]\.type" must be one of/m);
  } finally {
    for (const p of pids.filter(alive)) process.kill(p, 'SIGKILL');
    await receiver.close();
    work.remove();
  }
});
