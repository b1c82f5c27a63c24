// Who may reach the collector and the relay: the NetworkPolicies and AuthorizationPolicies use
// their APIs' fields, select the workloads' pods, name the containers' ports, and let the
// callers the deployment needs through (sidecars ingest, the relay streams) and no one else.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { load, type Y } from './envoy-api.js';
import { DIR } from './workloads.js';

// Fields of networking.k8s.io/v1 NetworkPolicySpec, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort.
const NP = { spec: ['podSelector', 'policyTypes', 'ingress', 'egress'], rule: ['from', 'ports'], peer: ['podSelector', 'namespaceSelector', 'ipBlock'], port: ['port', 'endPort', 'protocol'] };
// Fields of istio.security.v1beta1.AuthorizationPolicy, Rule, Source and Operation.
const AP = {
  spec: ['selector', 'targetRef', 'targetRefs', 'rules', 'action', 'provider'],
  rule: ['from', 'to', 'when'],
  source: ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks', 'serviceAccounts', 'notServiceAccounts'],
  operation: ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'],
};
// Istio's agent and proxy ports on every sidecar pod: merged metrics and rewritten probes, readiness, Envoy's stats.
const ISTIO_PORTS = [15020, 15021, 15090];

const fields = (o: Y, known: string[], what: string) => {
  for (const k of Object.keys(o)) assert.ok(known.includes(k), `${what} has no field "${k}"`);
};

/** The workloads of envoy-config/k8s: their pod labels, container ports and service account. */
function workloads(): { name: string; labels: Y; ports: Y[]; account: string; namespace: string }[] {
  return ['collector.yaml', 'relay.yaml'].flatMap((f) => load(join(DIR, 'k8s', f)))
    .filter((d) => d.kind === 'StatefulSet' || d.kind === 'DaemonSet')
    .map((d) => ({ name: d.metadata.name, namespace: d.metadata.namespace, labels: d.spec.template.metadata.labels, ports: d.spec.template.spec.containers[0].ports, account: d.spec.template.spec.serviceAccountName }));
}

function selected(selector: Y, what: string): ReturnType<typeof workloads>[number] {
  const found = workloads().filter((w) => Object.entries(selector.matchLabels as Y).every(([k, v]) => w.labels[k] === v));
  assert.equal(found.length, 1, `${what} selects one workload's pods`);
  return found[0]!;
}

test('network-policy.yaml: each workload takes connections on its container port from sidecar pods only', () => {
  const docs = load(join(DIR, 'k8s/network-policy.yaml'));
  assert.equal(docs.length, workloads().length, 'one policy a workload');
  for (const p of docs) {
    assert.equal(p.apiVersion, 'networking.k8s.io/v1');
    assert.equal(p.kind, 'NetworkPolicy');
    fields(p.spec, NP.spec, 'NetworkPolicySpec');
    const w = selected(p.spec.podSelector, p.metadata.name);
    assert.equal(p.metadata.namespace, w.namespace);
    assert.deepEqual(p.spec.policyTypes, ['Ingress']);
    const open: (string | number)[] = [];
    for (const rule of p.spec.ingress as Y[]) {
      fields(rule, NP.rule, 'NetworkPolicyIngressRule');
      for (const peer of (rule.from ?? []) as Y[]) fields(peer, NP.peer, 'NetworkPolicyPeer');
      for (const port of rule.ports as Y[]) {
        fields(port, NP.port, 'NetworkPolicyPort');
        assert.equal(port.protocol, 'TCP');
        if (rule.from === undefined) {
          assert.ok(ISTIO_PORTS.includes(port.port), `${p.metadata.name}: only Istio's agent ports are open to any source, not ${port.port}`);
        } else {
          assert.ok(w.ports.some((c: Y) => c.name === port.port), `${p.metadata.name}: port ${port.port} is a named port of the container`);
          assert.deepEqual(rule.from, [{ namespaceSelector: {}, podSelector: { matchLabels: { 'security.istio.io/tlsMode': 'istio' } } }], 'sidecar pods of any namespace');
          open.push(port.port);
        }
      }
    }
    assert.deepEqual(open, w.ports.map((c: Y) => c.name), `${p.metadata.name}: the container's ports are reachable by sidecars`);
  }
});

test('authorization.yaml: ingest for any mesh identity, the stream for the relay alone, reading for the redtail namespace', () => {
  const docs = load(join(DIR, 'istio/authorization.yaml'));
  const routes = readFileSync(join(DIR, '../collector/src/http/routes.ts'), 'utf8');
  const relaySource = readFileSync(join(DIR, '../relay/src/relay.ts'), 'utf8');
  const relay = workloads().find((w) => w.name === 'redtail-relay')!;
  for (const p of docs) {
    assert.equal(p.apiVersion, 'security.istio.io/v1beta1');
    assert.equal(p.kind, 'AuthorizationPolicy');
    fields(p.spec, AP.spec, 'AuthorizationPolicy');
    assert.equal(p.spec.action, 'ALLOW');
    const w = selected(p.spec.selector, p.metadata.name);
    assert.equal(p.metadata.namespace, w.namespace);
    const containerPorts = w.ports.map((c: Y) => String(c.containerPort));
    for (const rule of p.spec.rules as Y[]) {
      fields(rule, AP.rule, 'Rule');
      for (const f of rule.from as Y[]) fields(f.source, AP.source, 'Source');
      for (const t of rule.to as Y[]) {
        fields(t.operation, AP.operation, 'Operation');
        assert.deepEqual(t.operation.ports, containerPorts, `${p.metadata.name}: the container's port (what the sidecar sees)`);
        for (const path of [...(t.operation.paths ?? []), ...(t.operation.notPaths ?? [])]) {
          const source = w.name === 'redtail-relay' ? relaySource : routes;
          assert.ok(source.includes(`${path}'`), `${p.metadata.name}: ${path} is a route of ${w.name}`);
        }
      }
    }
  }
  // What each caller may do, rule by rule.
  const collector = docs.find((d) => d.metadata.name === 'redtail-collector')!.spec.rules as Y[];
  const rule = (path: string) => collector.find((r) => r.to[0].operation.paths?.includes(path))!;
  assert.deepEqual(rule('/v1/ingest').from, [{ source: { principals: ['*'] } }], 'any mesh identity may ingest');
  assert.deepEqual(rule('/v1/ingest').to[0].operation.methods, ['POST']);
  assert.deepEqual(rule('/v1/stream').from, [{ source: { principals: [`*/ns/${relay.namespace}/sa/${relay.account}`] } }], "the relay's service account, and no one else, streams");
  const read = collector.find((r) => r.to[0].operation.notPaths)!;
  assert.deepEqual(read.to[0].operation.methods, ['GET', 'HEAD'], 'reading writes nothing');
  assert.deepEqual(read.to[0].operation.notPaths, ['/v1/stream'], 'the stream is not a read');
  assert.deepEqual(read.from, [{ source: { namespaces: [relay.namespace] } }]);
  const relayRules = docs.find((d) => d.metadata.name === 'redtail-relay')!.spec.rules as Y[];
  assert.deepEqual(relayRules.map((r) => [r.from, r.to[0].operation.methods, r.to[0].operation.paths]), [[[{ source: { principals: ['*'] } }], ['POST'], ['/v1/ingest']]]);
});
