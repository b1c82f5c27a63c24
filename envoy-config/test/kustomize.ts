// The part of kustomize our kustomizations use, so tests see what `kubectl apply -k` would apply
// without kubectl: resources (files and folders), components, patches (strategic merge or JSON
// 6902, each with a target) and images. A patch that matches nothing is an error, as a typo in a
// target would otherwise patch nothing and say nothing.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { load, type Y } from './envoy-api.js';

export const KINDS = {
  Kustomization: 'kustomize.config.k8s.io/v1beta1',
  Component: 'kustomize.config.k8s.io/v1alpha1',
};
const FIELDS = ['apiVersion', 'kind', 'resources', 'components', 'images', 'patches'];
const PATCH_FIELDS = ['path', 'patch', 'target'];
const TARGET_FIELDS = ['group', 'version', 'kind', 'name', 'namespace'];
const IMAGE_FIELDS = ['name', 'newName', 'newTag', 'digest'];

export interface Target { group?: string; kind?: string; name?: string; namespace?: string }

/** A kustomization file, its fields checked against what kustomize reads. */
export function kustomization(dir: string): Y {
  const file = join(dir, 'kustomization.yaml');
  assert.ok(existsSync(file), `${dir} has a kustomization.yaml`);
  const [k] = load(file);
  for (const key of Object.keys(k!)) assert.ok(FIELDS.includes(key), `${file}: kustomize reads no field "${key}"`);
  assert.equal(k!.apiVersion, KINDS[k!.kind as keyof typeof KINDS], `${file}: the apiVersion of a ${k!.kind}`);
  for (const p of (k!.patches ?? []) as Y[]) {
    for (const key of Object.keys(p)) assert.ok(PATCH_FIELDS.includes(key), `${file}: a patch has no field "${key}"`);
    for (const key of Object.keys(p.target ?? {})) assert.ok(TARGET_FIELDS.includes(key), `${file}: a patch target has no field "${key}"`);
  }
  for (const i of (k!.images ?? []) as Y[]) for (const key of Object.keys(i)) assert.ok(IMAGE_FIELDS.includes(key), `${file}: an image has no field "${key}"`);
  return k!;
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

export function matches(r: Y, t: Target): boolean {
  return (t.kind === undefined || r.kind === t.kind) && (t.name === undefined || r.metadata?.name === t.name)
    && (t.namespace === undefined || r.metadata?.namespace === t.namespace) && (t.group === undefined || groupOf(r.apiVersion) === t.group);
}

/** Objects merged as a strategic-merge patch does for what we patch: lists of named items merge by name. */
function merge(base: unknown, patch: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(patch) && patch.every((p) => typeof p === 'object' && p !== null && 'name' in p)) {
    const out = [...base];
    for (const p of patch as Y[]) {
      const i = out.findIndex((b) => (b as Y)?.name === p.name);
      if (i >= 0) out[i] = merge(out[i], p);
      else out.unshift(p);
    }
    return out;
  }
  if (typeof base === 'object' && base !== null && !Array.isArray(base) && typeof patch === 'object' && patch !== null && !Array.isArray(patch)) {
    const out: Y = { ...base };
    for (const [k, v] of Object.entries(patch)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
  }
  return patch;
}

/** JSON 6902 replace and add, the operations our patches use. */
function applyOps(r: Y, ops: Y[], where: string): void {
  for (const op of ops) {
    assert.ok(['replace', 'add'].includes(op.op), `${where}: operation ${op.op}`);
    const keys = (op.path as string).split('/').slice(1);
    let node: Y = r;
    for (const k of keys.slice(0, -1)) {
      assert.ok(node[k] !== undefined, `${where}: ${op.path} exists in ${r.kind} ${r.metadata.name}`);
      node = node[k];
    }
    const last = keys[keys.length - 1]!;
    if (op.op === 'replace') assert.ok(last in node, `${where}: ${op.path} exists in ${r.kind} ${r.metadata.name}, to be replaced`);
    node[last] = op.value;
  }
}

/** Every container of a pod template, init containers included. */
export function containers(r: Y): Y[] {
  const spec = r.spec?.template?.spec;
  return spec ? [...(spec.initContainers ?? []), ...(spec.containers ?? [])] : [];
}

const imageName = (image: string) => image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');

/** What `kubectl kustomize dir` renders, as objects. */
export function build(dir: string): Y[] {
  const k = kustomization(dir);
  const out: Y[] = [];
  for (const entry of (k.resources ?? []) as string[]) {
    const path = join(dir, entry);
    assert.ok(existsSync(path), `${dir}: resource ${entry} exists`);
    out.push(...(statSync(path).isDirectory() ? build(path) : load(path)));
  }
  for (const entry of (k.components ?? []) as string[]) {
    const path = join(dir, entry);
    assert.equal(kustomization(path).kind, 'Component', `${dir}: ${entry} is a Component`);
    patch(out, path, kustomization(path));
  }
  patch(out, dir, k);
  for (const image of (k.images ?? []) as Y[]) {
    let used = false;
    for (const c of out.flatMap(containers)) {
      if (imageName(c.image) !== image.name) continue;
      c.image = `${image.newName ?? image.name}${image.digest ? `@${image.digest}` : image.newTag ? `:${image.newTag}` : ''}`;
      used = true;
    }
    assert.ok(used, `${dir}: image ${image.name} is a container's image`);
  }
  return out;
}

function patch(resources: Y[], dir: string, k: Y): void {
  for (const p of (k.patches ?? []) as Y[]) {
    const where = `${dir}: patch ${p.path ?? JSON.stringify(p.target)}`;
    assert.ok(p.target, `${where} names its target`);
    if (p.path) assert.ok(existsSync(join(dir, p.path)), `${where}: the file exists`);
    const body = parse(p.path ? readFileSync(join(dir, p.path), 'utf8') : p.patch) as Y | Y[];
    const targets = resources.filter((r) => matches(r, p.target));
    assert.equal(targets.length, 1, `${where} matches one resource, not ${targets.length}`);
    for (const r of targets) {
      if (Array.isArray(body)) applyOps(r, body, where);
      else {
        // The target names the resource: the patch's own kind and name are ignored, as kustomize does.
        const { apiVersion: _v, kind: _k, metadata: { name: _n, namespace: _ns, ...meta } = {}, ...rest } = body;
        Object.assign(r, merge(r, { ...rest, ...(Object.keys(meta).length ? { metadata: meta } : {}) }));
      }
    }
  }
}

/** The folders under dir that hold a kustomization. */
export function kustomizations(dir: string, found: string[] = []): string[] {
  if (existsSync(join(dir, 'kustomization.yaml'))) found.push(dir);
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory() && e.name !== 'test') kustomizations(join(dir, e.name), found);
  return found;
}
