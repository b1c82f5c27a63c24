// The overhead bench's figures: what one run measured, and each figure over the rounds, as it
// stands and as the difference from its baseline in the same round (the no-op guest's from no
// filter, every other module's from the no-op guest), so a change of the machine's speed
// between rounds falls on both sides of a difference.
import { median } from '../median.js';

export type Mode = 'saturation' | 'rate';

/** The latency percentiles kept of each run: the tables show four, the chart all. */
export const PERCENTILES = [50, 75, 90, 99, 99.9, 99.99] as const;
export const TABLE_PERCENTILES = [50, 90, 99, 99.9] as const;

/** What one run of one variant measured, over its measured window. */
export interface OverheadRun {
  variant: string;
  mode: Mode;
  round: number;
  bodyBytes: number;
  /** 2xx responses in the window. */
  requests: number;
  /** Errors and other answers in the window: a run with any is left out of the figures. */
  failed: number;
  seconds: number;
  rps: number;
  /** Latency at each of PERCENTILES, in ms, keyed by the percentile. */
  latencyMs: Record<string, number>;
  /** The proxy process's own CPU time over the window, divided by the requests in it. */
  cpuUsPerRequest: number;
  peakRssMiB: number;
  /** The largest VM's linear memory, from the proxy's gauge; null when the proxy has none. */
  vmMemoryMiB: number | null;
}

/** A variant's figure that the page and the results carry, with its unit and the way a difference is read. */
export interface Metric {
  key: string;
  label: string;
  unit: string;
  of(run: OverheadRun): number | null;
  /** Throughput's difference is a ratio (percent); the others subtract. */
  relative?: boolean;
}

export const METRICS: Metric[] = [
  { key: 'rps', label: 'throughput', unit: 'req/s', of: (r) => r.rps, relative: true },
  ...TABLE_PERCENTILES.map((p) => ({ key: `p${p}`, label: `latency p${p}`, unit: 'ms', of: (r: OverheadRun) => r.latencyMs[p] ?? null })),
  { key: 'cpu', label: 'proxy CPU per request', unit: 'µs', of: (r) => r.cpuUsPerRequest },
  { key: 'rss', label: 'proxy peak RSS', unit: 'MiB', of: (r) => r.peakRssMiB },
  { key: 'vm', label: 'linear memory per VM', unit: 'MiB', of: (r) => r.vmMemoryMiB },
];

/** The value at percentile p of sorted values (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  // Less a hair, so that 99.9 % of 1,000 is rank 999 and not, by rounding, 1,000.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length - 1e-9) - 1))]!;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function spread(values: number[]): Spread | null {
  if (values.length === 0) return null;
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

/** The runs that count: those with no failed requests. */
export const counted = (runs: OverheadRun[]) => runs.filter((r) => r.failed === 0 && r.requests > 0);

/** One variant's metric over the rounds of a mode and body size: the figure, and its difference from the baseline's in each round. */
export function summarize(runs: OverheadRun[], { variant, baseline, mode, bodyBytes, metric }: { variant: string; baseline?: string; mode: Mode; bodyBytes: number; metric: Metric }): { value: Spread | null; difference: Spread | null } {
  const at = (v: string) => new Map(counted(runs).filter((r) => r.variant === v && r.mode === mode && r.bodyBytes === bodyBytes).map((r) => [r.round, metric.of(r)]));
  const mine = at(variant);
  const value = spread([...mine.values()].filter((v): v is number => v !== null));
  if (baseline === undefined) return { value, difference: null };
  const base = at(baseline);
  const differences: number[] = [];
  for (const [round, v] of mine) {
    const b = base.get(round);
    if (v === null || b === null || b === undefined) continue;
    differences.push(metric.relative ? (v / b - 1) * 100 : v - b);
  }
  return { value, difference: spread(differences) };
}
