// The overhead bench's processes, each started as a user starts it: the upstream, the collector
// (`redtail serve` on a temporary data folder) and, for each run, a fresh `redtail proxy`; and
// what the bench reads of the proxy from outside: its CPU time and peak RSS from /proc, the
// filter's linear memory per VM from the admin's metrics.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../../../bin/redtail.js', import.meta.url).pathname;
const UPSTREAM = new URL('./upstream.js', import.meta.url).pathname;

/** The gauge of each VM's linear memory on the proxy admin's /stats/prometheus. */
export const VM_MEMORY_GAUGE = 'redtail_host_vm_memory_bytes';

export interface Child {
  child: ChildProcess;
  /** The last of what it printed on stderr, for an error that names what went wrong. */
  stderr(): string;
  stop(): Promise<void>;
}

/** Spawn a node script and wait for `ready` to find what it needs in its output. */
function start<T>(args: string[], ready: (out: string) => T | undefined, { from }: { from: 'stdout' | 'stderr' }): Promise<Child & { ready: T }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    const look = () => {
      const found = ready(from === 'stdout' ? out : err);
      if (found !== undefined) resolve({ child, ready: found, stderr: () => err, stop });
    };
    child.stdout!.on('data', (d) => { if (out.length < 65536) { out += d; look(); } });
    child.stderr!.on('data', (d) => { err = (err + d).slice(-8192); look(); });
    child.once('exit', (code) => reject(new Error(`${args.slice(0, 2).join(' ')} exited (${code}) before it was ready: ${err.trim()}`)));
  });
}

/** The upstream: one port per body size. */
export async function startUpstream(sizes: number[]): Promise<Child & { urls: Map<number, string> }> {
  const c = await start([UPSTREAM, ...sizes.map(String)], (out) => (out.includes('\n') ? JSON.parse(out) as Record<string, string> : undefined), { from: 'stdout' });
  return { ...c, urls: new Map(Object.entries(c.ready).map(([size, url]) => [Number(size), url])) };
}

/** `redtail serve` on a temporary data folder, removed when it stops. */
export async function startCollector(): Promise<Child & { url: string }> {
  const data = mkdtempSync(join(tmpdir(), 'redtail-overhead-'));
  const c = await start([BIN, 'serve', '--data', data, '--port', '0'], (err) => /"event":"listening","url":"([^"]+)"/.exec(err)?.[1], { from: 'stderr' });
  return { ...c, url: c.ready, stop: async () => { await c.stop(); rmSync(data, { recursive: true, force: true }); } };
}

/**
 * One VM, as each of Envoy's worker threads has one: the proxy has one thread, and two VMs taking
 * its requests in turn make a module's code and data compete for one core's caches and halve
 * each VM's batches, costs no Envoy worker pays.
 */
export const PROXY_VMS = 1;

export interface ProxyProcess extends Child {
  url: string;
  admin: string;
  pid: number;
}

/** A fresh `redtail proxy` in front of `upstream`, shipping to `collector`; `filter` is a module's path or 'none'. */
export async function startProxy({ filter, configFile, upstream, collector, nodeArgs = [], proxyArgs = [] }: { filter: string; configFile?: string; upstream: string; collector: string; nodeArgs?: string[]; proxyArgs?: string[] }): Promise<ProxyProcess> {
  const args = [...nodeArgs, BIN, 'proxy', '--listen', '0', '--admin', '0', '--workers', String(PROXY_VMS), '--upstream', upstream, '--cluster', `redtail-collector=${collector}`, '--filter', filter, ...proxyArgs];
  if (configFile) args.push('--filter-config', configFile);
  const c = await start(args, (err) => /listening on (\S+) -> .*admin (\S+)/.exec(err) ?? undefined, { from: 'stderr' });
  return { ...c, url: c.ready[1]!, admin: c.ready[2]!, pid: c.child.pid! };
}

/**
 * A process's CPU time so far (user and system), to the nanosecond: the scheduler's run time of
 * each of its threads (/proc/<pid>/stat counts in clock ticks, 10 ms steps, too coarse for
 * microseconds per request over a few seconds). A running thread's figure is brought up to date
 * when it stops running; a thread that ended takes its share with it (Node's and V8's threads
 * live as long as the process).
 */
export function cpuNanos(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch { /* the thread ended between the listing and the read */ }
  }
  return ns;
}

/** A process's peak resident memory (VmHWM), in bytes. */
export function peakRssBytes(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** Each VM's linear memory from the admin's gauge, by VM; empty when the proxy has no such gauge. */
export async function vmMemoryBytes(admin: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${admin}/stats/prometheus`)).text();
  const vms = new Map<string, number>();
  const line = new RegExp(`^${VM_MEMORY_GAUGE}\\{[^}]*\\bvm="([^"]*)"[^}]*\\}\\s+(\\S+)`, 'gm');
  for (const m of text.matchAll(line)) vms.set(m[1]!, Number(m[2]));
  return vms;
}
