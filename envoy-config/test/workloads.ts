// The manifests' containers run as they are written: their arguments and environment, the
// Secrets' values made as docs/deploying.md makes them, and only what a pod has and a test
// machine has not put elsewhere (ports free on loopback, folders in a temporary directory).
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { exited, spawnRedtail, tempDir } from '../../collector/test/helpers.js';
import { load, type Y } from './envoy-api.js';

export const DIR = new URL('../../../envoy-config/', import.meta.url).pathname;

// `openssl rand -hex 24` in the docs: 48 visible characters.
export const INGEST_TOKEN = 'a'.repeat(24) + '0123456789abcdef01234567';
export const READ_TOKEN = 'b'.repeat(24) + '0123456789abcdef01234567';

/** The Secrets docs/deploying.md has the user create. */
export const SECRETS: Record<string, Record<string, string>> = {
  'redtail-tokens': { REDTAIL_TOKENS: `${INGEST_TOKEN}:ingest;${READ_TOKEN}:read`, RELAY_TOKENS: `${INGEST_TOKEN}:ingest`, REDTAIL_UPSTREAM_TOKEN: INGEST_TOKEN },
  'redtail-ingest': { token: INGEST_TOKEN },
};

/** A container's environment, its secretKeyRefs read from SECRETS. */
export function environment(container: Y): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of (container.env ?? []) as Y[]) {
    if (e.value !== undefined) out[e.name] = e.value;
    else out[e.name] = SECRETS[e.valueFrom.secretKeyRef.name]![e.valueFrom.secretKeyRef.key]!;
  }
  return out;
}

/** The first container of the workload of that kind in a manifest of envoy-config/k8s. */
export function container(file: string, kind: string): Y {
  return load(join(DIR, 'k8s', file)).find((d) => d.kind === kind)!.spec.template.spec.containers[0];
}

export interface Running { child: ChildProcess; url: string; stderr: string[]; stop(): Promise<void> }

/**
 * The container's command as written, with a port number replaced by 0, a folder by one in a
 * temporary directory, and any flag's value by `replace`'s.
 */
export async function run(c: Y, replace: Record<string, string> = {}): Promise<Running> {
  const tmp = tempDir();
  const args = (c.args as string[]).map((a, i, all) => {
    const flag = all[i - 1] ?? '';
    if (flag in replace) return replace[flag]!;
    if (/^\d+$/.test(a) && /port|listen/.test(flag)) return '0';
    if (a.startsWith('/')) return join(tmp.dir, a);
    return a;
  });
  const started = await spawnRedtail(args, environment(c));
  return {
    ...started,
    stop: async () => {
      const done = exited(started.child);
      started.child.kill('SIGTERM');
      await done;
      tmp.remove();
    },
  };
}

/** A sidecar's environment: what the sidecar-token patch gives istio-proxy, and what a pod has anyway. */
export function proxyEnvironment(): Record<string, string> {
  const [patch] = load(join(DIR, 'istio/sidecar-token/istio-proxy-token.yaml'));
  const proxy = (patch!.spec.template.spec.containers as Y[]).find((c) => c.name === 'istio-proxy')!;
  return { HOSTNAME: 'shop-7d9f-abcde', ...environment(proxy) };
}

/** The proxy's variables a VM sees: only those its configuration names (Envoy's host_env_keys, Istio's valueFrom: HOST). */
export function vmEnvironment(names: string[]): Record<string, string> {
  const proxy = proxyEnvironment();
  return Object.fromEntries(names.filter((n) => n in proxy).map((n) => [n, proxy[n]!]));
}
