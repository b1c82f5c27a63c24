// redtail tail before it ever connects: its countdown on a terminal stays within the terminal's
// width, and Ctrl-C during it is an interruption (130), not a clean end.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { BIN } from './redtail.js';

/** A loopback URL where nothing listens: connections to it are refused. */
async function closedUrl(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

const hasScript = spawnSync('script', ['--version']).status === 0;

test('on a terminal of 40 columns the rewritten countdown line fits in it', { skip: !hasScript && 'needs script(1) for a terminal' }, async () => {
  const url = await closedUrl();
  // script(1) gives the tail a terminal, stty its width; --retries 1 lets it end by itself.
  const r = spawnSync('script', ['-qfec', `stty cols 40; '${process.execPath}' '${BIN}' tail --url ${url} --retries 1`, '/dev/null'], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout);
  // What is written between two clears is a line rewritten in place; a line ended by a newline is not.
  const rewritten = r.stdout.split('\r\x1b[K').slice(1, -1).filter((s) => s !== '');
  assert.ok(rewritten.length > 0, `a countdown was shown: ${JSON.stringify(r.stdout)}`);
  for (const line of rewritten) assert.ok(line.length < 40, `${JSON.stringify(line)} fits in 40 columns`);
  assert.match(r.stdout, /cannot reach the collector at .*connection refused/, 'the reason is said in full, on its own line');
});

test('Ctrl-C during the countdown, never connected, exits 130', async () => {
  const child = spawn(process.execPath, [BIN, 'tail', '--url', await closedUrl(), '--retries', 'forever'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve) => child.stderr.on('data', () => stderr.includes('trying again') && resolve()));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
});
