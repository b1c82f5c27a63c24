// The shipped WasmPlugin runs on every sidecar of the mesh, redtail's own included. In the
// collector's and the relays' sidecars it records nothing (their inbound requests are every
// sidecar's batches, which would otherwise record themselves in a loop); in an application's
// sidecar it records. Each sidecar as Istio describes it to the filter: its node metadata.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PropertyMap } from '../../host/src/properties.js';
import { GET, startFilter, StubCollector } from '../../filter/test/harness.js';
import { load, type Y } from './envoy-api.js';
import { DIR, vmEnvironment } from './workloads.js';

const [WASM] = load(join(DIR, 'istio/wasmplugin.yaml'));
const SPEC = WASM!.spec as Y;

/** Istio's node metadata for a pod of a workload: its namespace, workload, pod name and labels. */
function node(namespace: string, workload: string, labels: Record<string, string>): PropertyMap {
  return { node: { metadata: { NAMESPACE: namespace, WORKLOAD_NAME: workload, NAME: `${workload}-0`, LABELS: labels } } };
}

/** The node metadata of the sidecar of a workload of envoy-config/k8s. */
function redtailNode(file: string, kind: string): PropertyMap {
  const w = load(join(DIR, 'k8s', file)).find((d) => d.kind === kind)!;
  return node(w.metadata.namespace, w.metadata.name, w.spec.template.metadata.labels);
}

/** The shipped pluginConfig in a sidecar with that node metadata: what reached the collector once the VM shut down. */
async function shipped(properties: PropertyMap, request: Record<string, string>): Promise<{ attempts: string[]; records: Record<string, unknown>[]; logs: string[] }> {
  const collector = await new StubCollector().start();
  const f = await startFilter(JSON.stringify(SPEC.pluginConfig), {
    collector, properties,
    host: { clusters: { [SPEC.pluginConfig.collector.cluster]: collector.url }, vmEnvironment: vmEnvironment((SPEC.vmConfig.env as Y[]).map((e) => e.name)) },
  });
  await f.send({ headers: request, body: '{"start_time":"2026-01-01T00:00:00Z"}\n' });
  await f.stop(); // sends what is buffered and waits for the answer
  await collector.close();
  return { attempts: collector.attempts, records: collector.records(), logs: f.logs.map((e) => e.message) };
}

const INGEST = { ':method': 'POST', ':path': SPEC.pluginConfig.collector.path, ':authority': SPEC.pluginConfig.collector.authority, ':scheme': 'http', 'content-type': 'application/x-ndjson', 'x-request-id': 'own-1' };

test("the collector's and the relays' sidecars record nothing: no batch, not even a heartbeat, and the proxy's log says why", async () => {
  for (const [file, kind] of [['collector.yaml', 'StatefulSet'], ['relay.yaml', 'DaemonSet']] as const) {
    const { attempts, logs } = await shipped(redtailNode(file, kind), INGEST);
    assert.deepEqual(attempts, [], `${file}: nothing shipped`);
    assert.ok(logs.some((l) => /not recording: this proxy's namespace redtail is in skip\.namespaces/.test(l)), `${file}: ${logs.join(' | ')}`);
  }
});

test("an application's sidecar records, the same request included", async () => {
  for (const request of [{ ...GET, 'x-request-id': 'app-1' }, INGEST]) {
    const { records } = await shipped(node('shop', 'orders-v1', { app: 'orders' }), request);
    assert.deepEqual(records.map((r) => [r.request_id, r.namespace]), [[request['x-request-id'], 'shop']]);
  }
});
