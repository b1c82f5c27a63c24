// VM failures (traps, proc_exit) fail streams open or closed and never crash the process;
// VMs made from one module keep their own state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PluginError, runExchange } from '../src/index.js';
import { GET, startProbe } from './probe.js';

test('a trap fails the stream closed with Envoy\'s 503, logs the module\'s message, and stops the VM', async () => {
  const failures: string[] = [];
  const p = await startProbe('request_headers: trap');
  p.host.onVmFailure = (_vm, f) => failures.push(f.callback);
  const r = await runExchange(p.plugin, { headers: GET }, { upstream: () => assert.fail('must not reach the upstream') });
  assert.equal(r.localReply?.status, 503);
  assert.equal(r.localReply?.details, 'wasm_fail_stream');
  assert.equal(r.response?.headers.get(':status'), '503');
  assert.deepEqual(failures, ['proxy_on_request_headers']);
  assert.equal(p.plugin.failure?.callback, 'proxy_on_request_headers');
  assert.match(p.plugin.failure!.guestMessage!, /abort: probe asked to trap at host\/test\/guests\/probe\.ts/);
  const critical = p.logs.find((e) => e.source === 'host' && e.level === 'critical');
  assert.match(critical!.message, /VM failed in proxy_on_request_headers: RuntimeError: unreachable .*module said: abort: probe asked to trap/);
  // The next stream on the failed VM gets no callbacks and the same answer.
  const before = p.lines().length;
  const again = await runExchange(p.plugin, { headers: GET });
  assert.equal(again.localReply?.status, 503);
  assert.equal(p.lines().length, before, 'a failed VM is not called again');
});

test('fail open lets requests through a failed VM', async () => {
  const p = await startProbe('request_headers: trap', { failOpen: true });
  let reached = 0;
  const r = await runExchange(p.plugin, { headers: GET }, { upstream: () => { reached++; return { headers: { ':status': '200' } }; } });
  assert.equal(r.localReply, undefined);
  assert.equal(r.response?.headers.get(':status'), '200');
  await runExchange(p.plugin, { headers: GET }, { upstream: () => { reached++; return { headers: { ':status': '200' } }; } });
  assert.equal(reached, 2);
});

test('proc_exit and unreachable are VM failures too, in any callback', async () => {
  const exit = await startProbe('response_headers: exit 3');
  await runExchange(exit.plugin, { headers: GET });
  assert.equal(exit.plugin.failure?.message, 'ProcExit: proc_exit(3)');
  const unreachable = await startProbe('log: unreachable');
  const r = await runExchange(unreachable.plugin, { headers: GET });
  assert.equal(r.response?.headers.get(':status'), '200', 'a failure at log time does not change a finished response');
  assert.equal(unreachable.plugin.failure?.callback, 'proxy_on_log');
  assert.match(unreachable.plugin.failure!.message, /RuntimeError: unreachable/);
});

test('a trap in configure fails the plugin start with the reason', async () => {
  await assert.rejects(startProbe('configure: trap'), (err: unknown) => {
    assert.ok(err instanceof PluginError);
    assert.match(err.message, /the VM failed in proxy_on_configure: RuntimeError: unreachable/);
    return true;
  });
});

test('a trap in a tick stops the timer; the process lives on', async () => {
  const p = await startProbe('configure: tick 5\ntick: trap');
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(p.lines().filter((l) => l === 'cb tick 1').length, 1);
  assert.equal(p.plugin.failure?.callback, 'proxy_on_tick');
});

test('VMs from one module keep their own state: configuration, globals, failures', async () => {
  const a = await startProbe('request_headers: log 2 I-am-A');
  const b = a.host.startPlugin(a.module, { configuration: 'request_headers: trap' });
  await runExchange(b, { headers: GET });
  assert.ok(b.failure, 'B failed');
  const r = await runExchange(a.plugin, { headers: GET });
  assert.equal(a.plugin.failure, undefined, 'A did not');
  assert.equal(r.localReply, undefined);
  assert.ok(a.lines().includes('I-am-A'));
  assert.equal(a.lines().filter((l) => l === 'I-am-A').length, 1, 'B ran its own configuration, not A\'s');
  assert.notEqual(a.plugin.vm.memory, b.vm.memory);
});
