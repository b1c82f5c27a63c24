// The Envoy and Istio configurations users deploy: every YAML parses; the type URLs and field
// names are the APIs' own; the filter sits before the router; the collector cluster the filter
// names exists; and every filter configuration in them passes the real filter's validation.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkWasm, load, TYPES, validate, type Y } from './envoy-api.js';
import { SECRETS, vmEnvironment } from './workloads.js';

const DIR = new URL('../../../envoy-config/', import.meta.url).pathname;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'test' ? [] : yamlFiles(p);
    return /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

test('every YAML under envoy-config parses', () => {
  const files = yamlFiles(DIR);
  assert.ok(files.length >= 3);
  for (const f of files) load(f);
});

test('envoy.yaml: the filter before the router, its collector cluster defined, its configuration valid', async () => {
  const [bootstrap] = load(join(DIR, 'envoy.yaml'));
  const hcm = bootstrap!.static_resources.listeners[0].filter_chains[0].filters[0];
  assert.equal(hcm.name, 'envoy.filters.network.http_connection_manager');
  assert.equal(hcm.typed_config['@type'], TYPES.hcm);
  const filters = hcm.typed_config.http_filters as Y[];
  assert.deepEqual(filters.map((f) => f.name), ['envoy.filters.http.wasm', 'envoy.filters.http.router']);
  assert.equal(filters[1]!.typed_config['@type'], TYPES.router);
  const config = await validate(checkWasm(filters[0]!.typed_config, 'envoy.yaml'), 'envoy.yaml');
  const clusters = (bootstrap!.static_resources.clusters as Y[]).map((c) => c.name);
  assert.ok(clusters.includes(config.collector?.cluster ?? 'redtail-collector'), 'the collector cluster exists');
  const routes = hcm.typed_config.route_config.virtual_hosts[0].routes as Y[];
  for (const r of routes) assert.ok(clusters.includes(r.route.cluster), `route cluster ${r.route.cluster} exists`);
});

test('istio/envoyfilter.yaml: inbound, before the router, a valid configuration and an Istio outbound cluster', async () => {
  const [ef] = load(join(DIR, 'istio/envoyfilter.yaml'));
  assert.equal(ef!.apiVersion, 'networking.istio.io/v1alpha3');
  assert.equal(ef!.kind, 'EnvoyFilter');
  const patch = ef!.spec.configPatches[0];
  assert.equal(patch.applyTo, 'HTTP_FILTER');
  assert.equal(patch.match.context, 'SIDECAR_INBOUND');
  assert.equal(patch.match.listener.filterChain.filter.name, 'envoy.filters.network.http_connection_manager');
  assert.equal(patch.match.listener.filterChain.filter.subFilter.name, 'envoy.filters.http.router');
  assert.equal(patch.patch.operation, 'INSERT_BEFORE');
  assert.equal(patch.patch.value.name, 'envoy.filters.http.wasm');
  const hostKeys = patch.patch.value.typed_config.config.vm_config.environment_variables?.host_env_keys ?? [];
  const config = await validate(checkWasm(patch.patch.value.typed_config, 'envoyfilter.yaml'), 'envoyfilter.yaml', vmEnvironment(hostKeys));
  assert.match(config.collector.cluster, /^outbound\|\d+\|\|[a-z0-9.-]+\.svc\.cluster\.local$/, "Istio's outbound cluster name");
});

test('istio/wasmplugin.yaml: the WasmPlugin fields, FAIL_OPEN, and a pluginConfig the filter accepts', async () => {
  const [wp] = load(join(DIR, 'istio/wasmplugin.yaml'));
  assert.equal(wp!.apiVersion, 'extensions.istio.io/v1alpha1');
  assert.equal(wp!.kind, 'WasmPlugin');
  const spec = wp!.spec as Y;
  const known = ['selector', 'targetRef', 'targetRefs', 'url', 'sha256', 'imagePullPolicy', 'imagePullSecret', 'pluginConfig', 'pluginName',
    'phase', 'priority', 'failStrategy', 'vmConfig', 'match', 'type'];
  for (const k of Object.keys(spec)) assert.ok(known.includes(k), `WasmPlugin has no field "${k}"`);
  assert.match(spec.url, /^(oci|https?|file):\/\//);
  assert.ok(['AUTHN', 'AUTHZ', 'STATS', 'UNSPECIFIED_PHASE'].includes(spec.phase));
  assert.equal(spec.failStrategy, 'FAIL_OPEN');
  assert.ok(['IfNotPresent', 'Always'].includes(spec.imagePullPolicy));
  const env = (spec.vmConfig?.env ?? []) as Y[];
  for (const e of env) assert.ok(e.valueFrom === 'HOST' && !('value' in e), `${e.name}: from the proxy's environment, never written here`);
  const config = await validate(JSON.stringify(spec.pluginConfig), 'wasmplugin.yaml', vmEnvironment(env.map((e) => e.name)));
  assert.ok(!('token' in config.collector), 'no token in a resource the whole mesh can read');
  assert.match(config.collector.cluster, /^outbound\|\d+\|\|[a-z0-9.-]+\.svc\.cluster\.local$/);
});

/** The Services of the k8s manifests, as "name.namespace:port". */
function services(): Set<string> {
  const out = new Set<string>();
  for (const file of ['collector.yaml', 'relay.yaml']) {
    for (const d of load(join(DIR, 'k8s', file))) {
      if (d.kind === 'Service') for (const p of d.spec.ports as Y[]) out.add(`${d.metadata.name}.${d.metadata.namespace}:${p.port}`);
    }
  }
  return out;
}

test('the Istio configs reach the collector through a Service the k8s manifests define', () => {
  const known = services();
  const [wp] = load(join(DIR, 'istio/wasmplugin.yaml'));
  assert.deepEqual(wp!.spec.match, [{ mode: 'SERVER' }], 'inbound only: one record a request, not one per sidecar on its path');
  const [ef] = load(join(DIR, 'istio/envoyfilter.yaml'));
  const clusters = [wp!.spec.pluginConfig.collector.cluster, JSON.parse(ef!.spec.configPatches[0].patch.value.typed_config.config.configuration.value).collector.cluster];
  for (const cluster of clusters) {
    const [, port, host] = /^outbound\|(\d+)\|\|([a-z0-9-]+\.[a-z0-9-]+)\.svc\.cluster\.local$/.exec(cluster)!;
    assert.ok(known.has(`${host}:${port}`), `${cluster} names a Service of envoy-config/k8s (${[...known].join(', ')})`);
  }
});

/** The workload of a manifest, checked the same way for a StatefulSet and a DaemonSet. */
function checkWorkload(docs: Y[], kind: 'StatefulSet' | 'DaemonSet', command: string): Y {
  const workload = docs.find((d) => d.kind === kind)!;
  assert.ok(workload, `a ${kind}`);
  assert.equal(workload.apiVersion, 'apps/v1');
  const labels = workload.spec.template.metadata.labels as Y;
  for (const [k, v] of Object.entries(workload.spec.selector.matchLabels as Y)) assert.equal(labels[k], v, 'the selector matches the pod template');
  for (const svc of docs.filter((d) => d.kind === 'Service')) {
    assert.equal(svc.apiVersion, 'v1');
    for (const [k, v] of Object.entries(svc.spec.selector as Y)) assert.equal(labels[k], v, `Service ${svc.metadata.name} selects the pods`);
    const container = workload.spec.template.spec.containers[0];
    const portNames = (container.ports as Y[]).map((p) => p.name);
    for (const p of svc.spec.ports as Y[]) {
      assert.ok(portNames.includes(p.targetPort), `Service ${svc.metadata.name} targets a named container port`);
      assert.match(p.name, /^http-/, 'Istio reads the protocol from the port name');
    }
  }
  const container = workload.spec.template.spec.containers[0] as Y;
  assert.equal(container.args[0], command);
  for (const probe of [container.readinessProbe, container.livenessProbe]) {
    assert.equal(probe.httpGet.path, '/healthz');
    assert.ok((container.ports as Y[]).some((p) => p.name === probe.httpGet.port));
  }
  assert.ok(container.resources.requests.cpu && container.resources.requests.memory, 'resource requests');
  assert.ok(workload.spec.template.spec.terminationGracePeriodSeconds >= 10, 'time for a clean stop');
  // Every environment variable is one redtail reads, and secrets come from the one Secret.
  const sources = ['collector/src/config.ts', 'relay/src/config.ts'].map((f) => readFileSync(join(DIR, '..', f), 'utf8')).join('\n');
  for (const e of container.env as Y[]) {
    assert.ok(sources.includes(`env.${e.name}`), `${e.name} is read by redtail`);
    if (e.valueFrom) assert.ok(e.valueFrom.secretKeyRef.key in SECRETS[e.valueFrom.secretKeyRef.name]!, `${e.name}: a key of a Secret docs/deploying.md makes`);
  }
  return container;
}

/** The CLI accepts the manifest's arguments: with --help it parses them all and exits 0. */
function acceptsArgs(args: string[]): void {
  const run = spawnSync(process.execPath, [join(DIR, '../bin/redtail.js'), ...args, '--help'], { encoding: 'utf8' });
  assert.equal(run.status, 0, `redtail ${args.join(' ')}: ${run.stderr}`);
}

test('k8s/collector.yaml: a one-replica StatefulSet with a volume, its Services, tokens from the Secret, probes', () => {
  const docs = load(join(DIR, 'k8s/collector.yaml'));
  const container = checkWorkload(docs, 'StatefulSet', 'serve');
  const set = docs.find((d) => d.kind === 'StatefulSet')!;
  assert.equal(set.spec.replicas, 1, 'one writer of the shards');
  const governing = docs.find((d) => d.kind === 'Service' && d.metadata.name === set.spec.serviceName)!;
  assert.equal(governing.spec.clusterIP, 'None', 'the governing Service is headless');
  const data = container.args[container.args.indexOf('--data') + 1];
  const claim = set.spec.volumeClaimTemplates[0];
  assert.ok(container.volumeMounts.some((m: Y) => m.name === claim.metadata.name && m.mountPath === data), 'the data folder is the claimed volume');
  assert.ok(container.env.some((e: Y) => e.name === 'REDTAIL_TOKENS'), 'tokens, since it listens on 0.0.0.0');
  acceptsArgs(container.args);
});

test('k8s/relay.yaml: a DaemonSet with a node-local Service, a spool on the node, upstream the collector Service', () => {
  const docs = load(join(DIR, 'k8s/relay.yaml'));
  const container = checkWorkload(docs, 'DaemonSet', 'relay');
  const ds = docs.find((d) => d.kind === 'DaemonSet')!;
  assert.equal(docs.find((d) => d.kind === 'Service')!.spec.internalTrafficPolicy, 'Local');
  const upstream = new URL(container.args[container.args.indexOf('--upstream') + 1]);
  assert.equal(upstream.pathname, '/v1/stream');
  const [name, namespace] = upstream.hostname.split('.');
  assert.ok(services().has(`${name}.${namespace}:${upstream.port}`), 'the upstream is the collector Service');
  const spool = container.args[container.args.indexOf('--spool') + 1];
  const mount = container.volumeMounts.find((m: Y) => m.mountPath === spool);
  const volume = ds.spec.template.spec.volumes.find((v: Y) => v.name === mount.name);
  assert.ok(volume.hostPath, 'the spool is on the node, so it outlives the pod');
  for (const name of ['REDTAIL_TOKENS', 'REDTAIL_UPSTREAM_TOKEN']) assert.ok(container.env.some((e: Y) => e.name === name), name);
  acceptsArgs(container.args);
});

test('a container with a read-only root has a writable /tmp of bounded size, where SQLite puts its temporary files', () => {
  for (const [file, kind] of [['collector.yaml', 'StatefulSet'], ['relay.yaml', 'DaemonSet']] as const) {
    const pod = load(join(DIR, 'k8s', file)).find((d) => d.kind === kind)!.spec.template.spec;
    for (const c of pod.containers as Y[]) {
      if (!c.securityContext?.readOnlyRootFilesystem) continue;
      const mount = (c.volumeMounts as Y[]).find((m) => m.mountPath === '/tmp');
      assert.ok(mount && !mount.readOnly, `${file} ${c.name}: /tmp is mounted writable`);
      const volume = (pod.volumes as Y[]).find((v) => v.name === mount.name);
      assert.match(String(volume?.emptyDir?.sizeLimit), /^\d+(Mi|Gi)$/, `${file} ${c.name}: /tmp is an emptyDir with a sizeLimit`);
      for (const name of ['SQLITE_TMPDIR', 'TMPDIR']) assert.ok(!(c.env as Y[]).some((e) => e.name === name), `${file}: ${name} would move SQLite's files off /tmp`);
    }
  }
});

test('the image carries every WebAssembly module the collector loads, and the filter', () => {
  const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const copied = new Set([...runtime.matchAll(/\/app\/build\/([\w.-]+\.wasm)/g)].map((m) => m[1]));
  const modules = readdirSync(new URL('../../../collector/wasm/', import.meta.url)).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '.wasm'));
  assert.ok(modules.length >= 2, `the collector's modules: ${modules.join(', ')}`);
  for (const wasm of ['filter.wasm', ...modules]) assert.ok(copied.has(wasm), `the image's last stage copies build/${wasm}`);
});

test('istio/mtls.yaml: STRICT mTLS on the pods of the collector and the relay, ISTIO_MUTUAL to their Services', () => {
  const docs = load(join(DIR, 'istio/mtls.yaml'));
  const k8s = ['k8s/collector.yaml', 'k8s/relay.yaml'].flatMap((f) => load(join(DIR, f)));
  const podLabels = k8s.filter((d) => d.kind === 'StatefulSet' || d.kind === 'DaemonSet').map((d) => d.spec.template.metadata.labels as Y);
  const known = services();
  const peers = docs.filter((d) => d.kind === 'PeerAuthentication');
  const rules = docs.filter((d) => d.kind === 'DestinationRule');
  assert.equal(peers.length + rules.length, docs.length, 'nothing else in the file');
  // Fields of istio.security.v1beta1.PeerAuthentication and istio.networking.v1beta1.ClientTLSSettings.
  const CLIENT_TLS = ['mode', 'clientCertificate', 'privateKey', 'caCertificates', 'credentialName', 'subjectAltNames', 'sni', 'insecureSkipVerify', 'caCrl'];
  for (const p of peers) {
    assert.equal(p.apiVersion, 'security.istio.io/v1beta1');
    for (const k of Object.keys(p.spec)) assert.ok(['selector', 'mtls', 'portLevelMtls'].includes(k), `PeerAuthentication has no field "${k}"`);
    assert.equal(p.spec.mtls.mode, 'STRICT');
    const selected = Object.entries(p.spec.selector.matchLabels as Y);
    assert.ok(podLabels.some((labels) => selected.every(([k, v]) => labels[k] === v)), `${p.metadata.name} selects pods of envoy-config/k8s`);
  }
  for (const r of rules) {
    assert.equal(r.apiVersion, 'networking.istio.io/v1beta1');
    const [, name, namespace] = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/.exec(r.spec.host)!;
    assert.ok([...known].some((s) => s.startsWith(`${name}.${namespace}:`)), `${r.spec.host} is a Service of envoy-config/k8s`);
    for (const k of Object.keys(r.spec.trafficPolicy.tls)) assert.ok(CLIENT_TLS.includes(k), `ClientTLSSettings has no field "${k}"`);
    assert.equal(r.spec.trafficPolicy.tls.mode, 'ISTIO_MUTUAL');
  }
  assert.deepEqual(peers.map((p) => p.metadata.name).sort(), rules.map((r) => r.metadata.name).sort(), 'each pod STRICT is reached ISTIO_MUTUAL');
});
