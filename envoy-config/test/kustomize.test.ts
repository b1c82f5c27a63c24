// The kustomize base and the overlay users copy: every file they name exists, every patch hits one
// resource, the overlay's images are the base's containers' images, and the images and the
// module's address are set in the overlay only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { load, type Y } from './envoy-api.js';
import { build, containers, kustomization, kustomizations } from './kustomize.js';

const DIR = new URL('../../../envoy-config/', import.meta.url).pathname;
const OVERLAY = join(DIR, 'overlay');

test('every kustomization under envoy-config names files that exist, with the fields kustomize reads', () => {
  const dirs = kustomizations(DIR);
  assert.ok(dirs.length >= 4, dirs.join(', '));
  // Each throws naming the missing file, the unknown field or the patch that matches nothing.
  for (const dir of dirs) if (kustomization(dir).kind === 'Kustomization') build(dir);
});

test('the overlay renders every resource of the base, its images and the module address set', () => {
  const base = ['k8s', 'istio'].flatMap((d) => build(join(DIR, d)));
  const built = build(OVERLAY);
  const id = (r: Y) => `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
  assert.deepEqual(built.map(id).sort(), base.map(id).sort());
  // The overlay's image names are the base's containers' images, and every one of those is set.
  const k = kustomization(OVERLAY);
  const named = new Set((k.images as Y[]).map((i) => i.name));
  const baseImages = new Set(base.flatMap(containers).map((c) => c.image as string));
  assert.deepEqual([...baseImages].sort(), [...named].sort(), 'the overlay sets each image the base runs');
  for (const c of built.flatMap(containers)) {
    if (c.name === 'istio-proxy') assert.equal(c.image, 'auto', "the sidecar's image is the injector's");
    else assert.match(c.image, /^[a-z0-9.-]+(:\d+)?\/[a-z0-9/._-]+:[\w.-]+$/, `${c.name}: a registry address with a tag`);
  }
  const wasm = built.find((r) => r.kind === 'WasmPlugin')!;
  const baseWasm = base.find((r) => r.kind === 'WasmPlugin')!;
  assert.notEqual(wasm.spec.url, baseWasm.spec.url, 'the overlay sets the module address');
  assert.match(wasm.spec.url, /^oci:\/\/[a-z0-9.-]+(:\d+)?\/[a-z0-9/._-]+:[\w.-]+$/);
});

test('the registry is written in one place: the overlay', () => {
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === 'test' ? [] : files(join(dir, e.name))) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []);
  const registry = /registry\.example\.com/;
  const holding = files(DIR).filter((f) => registry.test(readFileSync(f, 'utf8'))).map((f) => relative(DIR, f));
  assert.deepEqual(holding, ['overlay/kustomization.yaml']);
});

test('the sidecars of redtail\'s own pods get the ingest token from a Secret, under the name the WasmPlugin passes to the filter', () => {
  const built = build(OVERLAY);
  const wasm = built.find((r) => r.kind === 'WasmPlugin')!;
  const name = wasm.spec.pluginConfig.collector.token_env as string;
  assert.deepEqual(wasm.spec.vmConfig.env, [{ name, valueFrom: 'HOST' }], "the proxy's own variable, not a value");
  for (const r of built.filter((d) => d.kind === 'StatefulSet' || d.kind === 'DaemonSet')) {
    const proxy = containers(r).find((c) => c.name === 'istio-proxy');
    assert.ok(proxy, `${r.metadata.name}: an istio-proxy container for the injector to merge`);
    // optional: a namespace without the Secret must not stop its pods from starting (the filter then stays out, and says why).
    assert.deepEqual(proxy.env, [{ name, valueFrom: { secretKeyRef: { name: 'redtail-ingest', key: 'token', optional: true } } }]);
  }
  const [envoyFilter] = load(join(DIR, 'istio/envoyfilter.yaml'));
  const config = envoyFilter!.spec.configPatches[0].patch.value.typed_config.config;
  assert.equal(JSON.parse(config.configuration.value).collector.token_env, name);
  assert.deepEqual(config.vm_config.environment_variables, { host_env_keys: [name] });
});

test("the overlay copied as docs/deploying.md's step 2 says, its paths rewritten as it says, renders the same resources", (t) => {
  const doc = readFileSync(new URL('../../../docs/deploying.md', import.meta.url), 'utf8');
  const step = doc.slice(doc.indexOf('**Copy the overlay'), doc.indexOf('3. **Create the namespace'));
  const rewrites = [...step.matchAll(/`(\.\.\/[\w/-]+)` becomes\s+`([^`]+)`/g)].map((m) => [m[1]!, m[2]!] as const);
  const named = [...(kustomization(OVERLAY).resources as string[]), ...(kustomization(OVERLAY).components as string[])];
  assert.deepEqual(rewrites.map(([from]) => from).sort(), named.sort(), 'the step rewrites every path the overlay names');
  for (const [, to] of rewrites) assert.ok(!isAbsolute(to), `${to}: kustomize refuses absolute paths`);
  // A clone's top: envoy-config, and the copy beside it.
  const top = mkdtempSync(join(tmpdir(), 'redtail-clone-'));
  t.after(() => rmSync(top, { recursive: true, force: true }));
  cpSync(DIR, join(top, 'envoy-config'), { recursive: true, filter: (f) => !f.includes('/test') });
  cpSync(OVERLAY, join(top, 'my-redtail'), { recursive: true });
  const file = join(top, 'my-redtail', 'kustomization.yaml');
  let text = readFileSync(file, 'utf8');
  for (const [from, to] of rewrites) text = text.replace(new RegExp(`^(\\s*- )${from.replace(/[.]/g, '\\.')}$`, 'm'), `$1${to}`);
  writeFileSync(file, text);
  const id = (r: Y) => `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
  const expected = build(OVERLAY).map(id).sort();
  assert.deepEqual(build(join(top, 'my-redtail')).map(id).sort(), expected);
  const kubectl = spawnSync('kubectl', ['kustomize', join(top, 'my-redtail')], { encoding: 'utf8' });
  if (kubectl.error) return t.skip('kubectl is not on PATH: rendered by the tests\' kustomize only');
  assert.equal(kubectl.status, 0, kubectl.stderr);
  assert.deepEqual(parseAllDocuments(kubectl.stdout).map((d) => d.toJS() as Y).map(id).sort(), expected);
});
