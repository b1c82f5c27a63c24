// The Envoy bench's table: per variant, the median over rounds of throughput, latency percentiles,
// Envoy's CPU per request (and its difference from the no-op guest, round by round) and peak RSS,
// each with its spread (min..max). Reads what run.sh wrote: fortio's JSON and Envoy's costs per run.
//   node dist/benches/envoy/table.js <out dir>
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VARIANTS, type Variant } from './configs.js';
import { median } from '../median.js';

/** The parts of fortio's `-json` result the table reads (latencies in seconds). */
interface FortioResult {
  ActualQPS: number;
  DurationHistogram: { Count: number; Percentiles: { Percentile: number; Value: number }[] };
  RetCodes: Record<string, number>;
}
/** What run.sh read from Envoy's container around a run. */
interface EnvoyCost { variant: Variant; round: number; cpu_usec: number; rss_kib: number; hwm_kib: number }

export interface Run {
  variant: Variant;
  round: number;
  perSecond: number;
  /** Latency percentile -> milliseconds. */
  latencyMs: Map<number, number>;
  cpuUsPerRequest: number;
  peakRssMib: number;
  failed: number;
}

export const PERCENTILES = [50, 90, 99, 99.9];

export function readRuns(dir: string): Run[] {
  return readdirSync(dir).flatMap((name) => {
    const m = /^cost-(\w+)-(\d+)\.json$/.exec(name);
    if (!m) return [];
    const cost = JSON.parse(readFileSync(join(dir, name), 'utf8')) as EnvoyCost;
    const fortio = JSON.parse(readFileSync(join(dir, `fortio-${m[1]}-${m[2]}.json`), 'utf8')) as FortioResult;
    const requests = fortio.DurationHistogram.Count;
    return [{
      variant: cost.variant,
      round: cost.round,
      perSecond: fortio.ActualQPS,
      latencyMs: new Map(fortio.DurationHistogram.Percentiles.map((p) => [p.Percentile, p.Value * 1000])),
      cpuUsPerRequest: cost.cpu_usec / requests,
      peakRssMib: cost.hwm_kib / 1024,
      failed: Object.entries(fortio.RetCodes).reduce((n, [code, count]) => (code === '200' ? n : n + count), 0),
    }];
  });
}

/** "median (min..max)" with `digits` decimals. */
function spread(xs: number[], digits: number): string {
  if (xs.length === 0) return '-';
  const f = (x: number) => x.toFixed(digits);
  return xs.length === 1 ? f(xs[0]!) : `${f(median(xs))} (${f(Math.min(...xs))}..${f(Math.max(...xs))})`;
}

export function formatEnvoyTable(runs: Run[]): string {
  const head = ['variant', 'requests/s', ...PERCENTILES.map((p) => `p${p} ms`), 'Envoy CPU µs/request', 'vs no-op µs', 'peak RSS MiB', 'not 200'];
  const noop = new Map(runs.filter((r) => r.variant === 'noop').map((r) => [r.round, r.cpuUsPerRequest]));
  const body = (Object.keys(VARIANTS) as Variant[]).flatMap((variant) => {
    const mine = runs.filter((r) => r.variant === variant);
    if (mine.length === 0) return [];
    // Each round's difference from the no-op guest's run of the same round.
    const vsNoop = mine.filter((r) => noop.has(r.round)).map((r) => r.cpuUsPerRequest - noop.get(r.round)!);
    return [[
      variant,
      spread(mine.map((r) => r.perSecond), 0),
      ...PERCENTILES.map((p) => spread(mine.map((r) => r.latencyMs.get(p) ?? NaN), 2)),
      spread(mine.map((r) => r.cpuUsPerRequest), 1),
      variant === 'noop' ? '0' : spread(vsNoop, 1),
      spread(mine.map((r) => r.peakRssMib), 0),
      String(mine.reduce((n, r) => n + r.failed, 0)),
    ]];
  });
  const rounds = new Set(runs.map((r) => r.round)).size;
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [`${rounds} rounds; median (min..max) over rounds`, line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node dist/benches/envoy/table.js <out dir>');
    process.exit(2);
  }
  console.log(formatEnvoyTable(readRuns(dir)));
}
