// The shipped WasmPlugin's filter, in a sidecar that got the ingest token from its Secret, is
// answered 200 by the collector as the manifest runs it (tokens from redtail-tokens), and the
// request it recorded is found by `redtail query` with the read token: docs/deploying.md's
// "check that it works", without the cluster.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { Host, PluginError, runExchange } from '../../host/src/index.js';
import { load, type Y } from './envoy-api.js';
import { container, DIR, READ_TOKEN, run, vmEnvironment } from './workloads.js';

const FILTER = new URL('../../../build/filter.wasm', import.meta.url).pathname;
const BIN = new URL('../../../bin/redtail.js', import.meta.url).pathname;

test('the shipped WasmPlugin ships with the token its sidecar holds; the collector stores the record and `redtail query` finds it', async () => {
  const [wasm] = load(join(DIR, 'istio/wasmplugin.yaml'));
  const spec = wasm!.spec as Y;
  const collector = await run(container('collector.yaml', 'StatefulSet'));
  const host = new Host({
    clusters: { [spec.pluginConfig.collector.cluster]: collector.url },
    vmEnvironment: vmEnvironment((spec.vmConfig.env as Y[]).map((e) => e.name)),
    onLog: () => {},
  });
  try {
    const plugin = host.startPlugin(await host.load(FILTER), { configuration: JSON.stringify(spec.pluginConfig) });
    await runExchange(plugin, { headers: { ':method': 'GET', ':path': '/get', ':authority': 'httpbin.shop', ':scheme': 'http', 'x-request-id': 'redtail-check-1' } });
    await plugin.close(); // sends the batch and waits for the collector's answer
    const refused = collector.stderr.filter((l) => /"status":40[13]|audit_refused|unauthorized/.test(l));
    assert.deepEqual(refused, [], 'no batch refused for its token');
    const query = spawnSync(process.execPath, [BIN, 'query', '--url', collector.url, '--request-id', 'redtail-check-1', '--json'],
      { encoding: 'utf8', env: { ...process.env, REDTAIL_TOKEN: READ_TOKEN } });
    assert.equal(query.status, 0, query.stderr);
    const records = query.stdout.trim().split('\n').map((l) => JSON.parse(l) as Y);
    assert.equal(records.length, 1, query.stdout);
    assert.equal(records[0]!.path, '/get');
  } finally {
    await collector.stop();
  }
});

test('a sidecar without the token does not run the filter, and says which variable is missing', async () => {
  const [wasm] = load(join(DIR, 'istio/wasmplugin.yaml'));
  const host = new Host({ clusters: {}, onLog: () => {} });
  const module = await host.load(FILTER);
  assert.throws(() => host.startPlugin(module, { configuration: JSON.stringify(wasm!.spec.pluginConfig) }),
    (err: unknown) => err instanceof PluginError && /names REDTAIL_INGEST_TOKEN, which the proxy's environment does not hold/.test(err.message));
});
