// Two modules' cost to the proxy, side by side, where a difference of a few microseconds shows:
// one long-lived `redtail proxy` per module (started once, warmed up), the same fixed-rate traffic
// through each in short windows, alternating A B B A, many rounds; each round's difference taken
// within the round. Beside CPU per request it counts what the kernel saw per request (read and
// write syscalls, context switches) and, with --gc, V8's collections: the figures that say
// whether a difference is the module's own work or the event loop batching differently.
// node dist/benches/overhead/paired.js [--rate 500 (0: saturation)] [--rounds 12] [--seconds 3] [--a noop] [--b filter] [--gc] [--prof DIR]
import { readFileSync } from 'node:fs';
import { median } from '../median.js';
import { cpuNanos, cpuSplit, startCollector, startProxy, startUpstream, type ProxyProcess } from './processes.js';
import { drive } from './traffic.js';

const built = (p: string) => new URL(`../../../build/${p}`, import.meta.url).pathname;
const MODULES: Record<string, string> = { none: 'none', noop: built('guests/noop.wasm'), filter: built('filter.wasm') };

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
/** 0: as fast as the proxy answers (saturation). */
const rate = Number(flag('--rate', '500'));
const driven = rate > 0 ? rate : undefined;
const rounds = Number(flag('--rounds', '12'));
const seconds = Number(flag('--seconds', '3'));
const names = [flag('--a', 'noop'), flag('--b', 'filter')];
const gc = args.includes('--gc');
const prof = flag('--prof', '');

/** What the kernel keeps of a process, summed over its threads. */
function counters(pid: number) {
  const { user, system } = cpuSplit(pid);
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const num = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return {
    ns: cpuNanos(pid), user: user * 1e6, system: system * 1e6,
    reads: num(io, 'syscr'), writes: num(io, 'syscw'),
    switches: num(status, 'voluntary_ctxt_switches') + num(status, 'nonvoluntary_ctxt_switches'),
  };
}

interface Window { user: number; system: number; cpu: number; reads: number; writes: number; switches: number; gcs: number; rps: number }

const upstream = await startUpstream([1024]);
const collector = await startCollector();
const proxies: (ProxyProcess & { gcs: number })[] = [];
try {
  for (const name of names) {
    const nodeArgs = [...(gc ? ['--trace-gc'] : []), ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, `--cpu-prof-name=${name}.cpuprofile`] : [])];
    const p = Object.assign(await startProxy({ filter: MODULES[name] ?? name, upstream: upstream.urls.get(1024)!, collector: collector.url, nodeArgs }), { gcs: 0 });
    p.child.stdout!.on('data', (d: Buffer) => { p.gcs += d.toString('latin1').split(/Scavenge|Mark-Compact|Mark-sweep/).length - 1; });
    proxies.push(p);
  }
  for (const p of proxies) await drive(p.url, { seconds: 4, rate: driven });
  const windows: Window[][] = names.map(() => []);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, 1, 1, 0] : [1, 0, 0, 1];
    const sums = names.map(() => ({ ns: 0, user: 0, system: 0, reads: 0, writes: 0, switches: 0, gcs: 0, requests: 0, seconds: 0 }));
    for (const i of order) {
      const p = proxies[i]!;
      const c0 = counters(p.pid);
      const g0 = p.gcs;
      const load = await drive(p.url, { seconds: seconds / 2, rate: driven });
      const c1 = counters(p.pid);
      const s = sums[i]!;
      s.ns += c1.ns - c0.ns; s.user += c1.user - c0.user; s.system += c1.system - c0.system;
      s.reads += c1.reads - c0.reads; s.writes += c1.writes - c0.writes; s.switches += c1.switches - c0.switches;
      s.gcs += p.gcs - g0; s.requests += load.ok; s.seconds += load.seconds;
      if (load.failed) process.stderr.write(`paired: ${names[i]} had ${load.failed} failed requests\n`);
    }
    sums.forEach((s, i) => {
      const per = (n: number) => n / s.requests;
      windows[i]!.push({ user: per(s.user), system: per(s.system), cpu: per(s.ns) / 1000, reads: per(s.reads), writes: per(s.writes), switches: per(s.switches), gcs: per(s.gcs) * 1000, rps: s.requests / s.seconds });
    });
    const d = (k: keyof Window) => (windows[1]![round]![k] - windows[0]![round]![k]).toFixed(2);
    process.stderr.write(`round ${round + 1}/${rounds}: ${names[1]} − ${names[0]}: CPU ${d('cpu')} µs/req (user ${d('user')}, sys ${d('system')}), reads ${d('reads')}, writes ${d('writes')}, switches ${d('switches')}${gc ? `, GCs/1000 req ${d('gcs')}` : ''}; ${names[0]} ${windows[0]![round]!.cpu.toFixed(1)} µs/req at ${windows[0]![round]!.rps.toFixed(0)} req/s\n`);
  }
  const keys: (keyof Window)[] = ['cpu', 'user', 'system', 'reads', 'writes', 'switches', ...(gc ? ['gcs' as const] : []), 'rps'];
  const line = (label: string, values: (k: keyof Window) => number[]) => `${label.padEnd(22)}` + keys.map((k) => {
    const v = values(k);
    return `${k} ${median(v).toFixed(2)} [${Math.min(...v).toFixed(2)}, ${Math.max(...v).toFixed(2)}]`;
  }).join('  ');
  const out = [
    `paired: ${rounds} rounds of ${seconds} s each at ${rate} req/s (per request; gcs per 1000 requests), median [min, max]`,
    line(names[0]!, (k) => windows[0]!.map((w) => w[k])),
    line(names[1]!, (k) => windows[1]!.map((w) => w[k])),
    line(`${names[1]} − ${names[0]}`, (k) => windows[1]!.map((w, r) => w[k] - windows[0]![r]![k])),
  ];
  console.log(out.join('\n'));
} finally {
  await Promise.all([...proxies.map((p) => p.stop()), upstream.stop(), collector.stop()]);
}
