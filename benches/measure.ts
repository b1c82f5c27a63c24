// Timing for the benches: warm up, then several runs of many iterations; report ns per operation
// as the median over runs (and the spread), so one noisy run does not decide a figure.
export interface Measurement {
  name: string;
  /** The figures' unit when not nanoseconds per operation ("req/s", "µs", "MiB", "%"). */
  unit?: string;
  nsPerOp: number;
  minNs: number;
  maxNs: number;
  runs: number;
  iterations: number;
  note?: string;
  /** The target this figure is held to, when it has one: what it must be, what it was, whether it held. */
  target?: Target;
}

export interface Target {
  /** The bound, as people read it: "≤ 5,000 ns", "≥ 300 MB/s". */
  bound: string;
  /** The figure held to it, in the bound's unit. */
  result: string;
  met: boolean;
}

/** The measurement with the target its own figures give. */
export function withTarget(m: Measurement, of: (m: Measurement) => Target): Measurement {
  return { ...m, target: of(m) };
}

/** A target for `value` (in `unit`): at most `max`, or at least `min`. */
export function target(value: number, unit: string, bound: { max: number } | { min: number }): Target {
  const n = (x: number) => x.toLocaleString('en', { maximumFractionDigits: 1 });
  return 'max' in bound
    ? { bound: `≤ ${n(bound.max)} ${unit}`, result: `${n(value)} ${unit}`, met: value <= bound.max }
    : { bound: `≥ ${n(bound.min)} ${unit}`, result: `${n(value)} ${unit}`, met: value >= bound.min };
}

export interface MeasureOptions {
  iterations: number;
  runs: number;
  warmup?: number;
  /** Operations done per call of fn (e.g. a guest loop of 1000 host calls). */
  opsPerCall?: number;
}

export function measure(name: string, fn: () => void, o: MeasureOptions): Measurement {
  const per = o.opsPerCall ?? 1;
  for (let i = 0; i < (o.warmup ?? Math.max(1000, o.iterations / 10)); i++) fn();
  const samples: number[] = [];
  for (let r = 0; r < o.runs; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < o.iterations; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / (o.iterations * per));
  }
  samples.sort((a, b) => a - b);
  return { name, nsPerOp: samples[Math.floor(samples.length / 2)]!, minNs: samples[0]!, maxNs: samples.at(-1)!, runs: o.runs, iterations: o.iterations * per };
}

export function formatTable(rows: Measurement[]): string {
  const head = ['measurement', 'median (ns, or as named)', 'min', 'max', 'runs × ops'];
  const body = rows.map((r) => [r.unit ? `${r.name} (${r.unit})` : r.name, r.nsPerOp.toFixed(1), r.minNs.toFixed(1), r.maxNs.toFixed(1), `${r.runs} × ${r.iterations}`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
