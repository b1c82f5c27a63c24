// Plugin start and configuration, tick timers, and shutdown with proxy_done.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PluginError, runExchange, Status } from '../src/index.js';
import { GET, startProbe } from './probe.js';

test('vm_start reads the VM configuration and configure the plugin configuration, with their sizes', async () => {
  const p = await startProbe('configure: bufstatus 7', { vmConfiguration: 'loglevel' });
  const lines = p.lines();
  assert.ok(lines.includes('cb vm_start 1 8 loglevel'));
  assert.ok(lines.includes('cb configure 1 22'));
  assert.equal(p.answer('bufstatus 7').result, '22 0');
});

test('the plugin configuration is readable only during configure', async () => {
  const p = await startProbe('request_headers: bufstatus 7; buf 6 0 5', { vmConfiguration: 'hello' });
  await runExchange(p.plugin, { headers: GET });
  assert.equal(p.answer('bufstatus 7').status, Status.NotFound);
  assert.equal(p.answer('buf 6 0 5').result, Buffer.from('hello').toString('hex'));
});

test('configure returning false rejects the configuration, and the error carries the module\'s words', async () => {
  await assert.rejects(startProbe('configure: log 4 "flush.interval_ms"%20must%20be%20positive; refuse'), (err: unknown) => {
    assert.ok(err instanceof PluginError);
    assert.equal(err.code, 'configure_failed');
    assert.match(err.message, /proxy_on_configure returned false: "flush.interval_ms" must be positive/);
    return true;
  });
});

test('vm_start returning false fails the start', async () => {
  await assert.rejects(startProbe('', { vmConfiguration: 'refuse' }), (err: unknown) => err instanceof PluginError && err.code === 'start_failed');
});

test('a running plugin can be reconfigured, and a refused update leaves it failing loudly', async () => {
  const p = await startProbe('');
  p.plugin.configure('configure: log 2 second');
  assert.ok(p.lines().includes('second'));
  assert.throws(() => p.plugin.configure('configure: refuse'), /proxy_on_configure returned false/);
});

test('ticks repeat at the period (fixed delay) until set to 0', async () => {
  const p = await startProbe('configure: tick 20');
  await new Promise((r) => setTimeout(r, 130));
  const ticks = p.lines().filter((l) => l === 'cb tick 1').length;
  assert.ok(ticks >= 3 && ticks <= 7, `about 130/20 ticks, got ${ticks}`);
  await p.plugin.close();
  const after = p.lines().filter((l) => l === 'cb tick 1').length;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(p.lines().filter((l) => l === 'cb tick 1').length, after, 'no ticks after close');
});

test('setting the period to 0 inside a tick stops the timer', async () => {
  const p = await startProbe('configure: tick 10\ntick: tick 0');
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(p.lines().filter((l) => l === 'cb tick 1').length, 1);
});

test('close: on_done may defer deletion until the module calls proxy_done', async () => {
  const p = await startProbe('done: refuse; done\ntick: done');
  const closing = p.plugin.close(5000);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(p.answer('done').status, Status.NotFound, 'proxy_done inside on_done: not pending yet');
  assert.ok(!p.lines().includes('cb delete 1'), 'not deleted while done is deferred');
  p.plugin.root.done();
  await closing;
  assert.equal(p.lines().at(-1), 'cb delete 1');
});

test('close: a deferred done is given up after the limit', async () => {
  const p = await startProbe('done: refuse');
  const t0 = Date.now();
  await p.plugin.close(40);
  assert.ok(Date.now() - t0 >= 35);
  assert.equal(p.lines().at(-1), 'cb delete 1');
});
