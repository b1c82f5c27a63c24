// Metrics a module defines with proxy_define_metric. Like Envoy, a metric lives in the host's
// stats store by name (so every VM running the plugin adds to the same counter), while each VM
// hands out its own ids, with the type in the low two bits: counters 4, 8, …; gauges 5, 9, …;
// histograms 6, 10, …. Exposed in Prometheus text the way Envoy exposes its "wasmcustom"
// namespace: the name as defined, sanitized, without Envoy's `envoy_` prefix; with a HELP line,
// which Envoy leaves out (metric-help.ts).
import { MetricType, METRIC_ID_INCREMENT, METRIC_TYPE_MASK, Status } from './abi.js';
import { metricHelp } from './metric-help.js';

/** Envoy's default histogram buckets. */
export const HISTOGRAM_BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
  300000, 600000, 1800000, 3600000];

export interface Metric {
  name: string;
  type: MetricType;
  value: number;
  /** Histograms only: counts per bucket (not cumulative), the sum and the count. */
  buckets?: number[];
  sum?: number;
  count?: number;
}

export class MetricStore {
  private byName = new Map<string, Metric>();

  define(type: MetricType, name: string): Metric {
    const key = `${type}:${name}`;
    let metric = this.byName.get(key);
    if (metric === undefined) {
      metric = { name, type, value: 0 };
      if (type === MetricType.Histogram) Object.assign(metric, { buckets: HISTOGRAM_BUCKETS.map(() => 0), sum: 0, count: 0 });
      this.byName.set(key, metric);
    }
    return metric;
  }

  list(): Metric[] {
    return [...this.byName.values()];
  }

  get(name: string): Metric | undefined {
    for (const type of [MetricType.Counter, MetricType.Gauge, MetricType.Histogram]) {
      const m = this.byName.get(`${type}:${name}`);
      if (m) return m;
    }
    return undefined;
  }

  /** Prometheus text exposition format 0.0.4. */
  prometheus(): string {
    const lines: string[] = [];
    for (const m of [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const name = m.name.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/^([0-9])/, '_$1');
      lines.push(`# HELP ${name} ${metricHelp(name)}`);
      if (m.type === MetricType.Histogram) {
        lines.push(`# TYPE ${name} histogram`);
        let cumulative = 0;
        HISTOGRAM_BUCKETS.forEach((le, i) => {
          cumulative += m.buckets![i]!;
          lines.push(`${name}_bucket{le="${le}"} ${cumulative}`);
        });
        lines.push(`${name}_bucket{le="+Inf"} ${m.count}`, `${name}_sum ${m.sum}`, `${name}_count ${m.count}`);
      } else {
        lines.push(`# TYPE ${name} ${m.type === MetricType.Counter ? 'counter' : 'gauge'}`, `${name} ${m.value}`);
      }
    }
    return lines.length ? lines.join('\n') + '\n' : '';
  }
}

/** One VM's view: its ids for the metrics it defined. */
export class MetricIds {
  private next = [MetricType.Counter, MetricType.Gauge, MetricType.Histogram] as number[];
  private byId = new Map<number, Metric>();

  constructor(private store: MetricStore) {}

  /** The new id, or undefined for an unknown type. */
  define(type: number, name: string): number | undefined {
    if (type > MetricType.Histogram) return undefined;
    const id = (this.next[type]! += METRIC_ID_INCREMENT);
    this.byId.set(id, this.store.define(type, name));
    return id;
  }

  /** Envoy: counters take only positive deltas; gauges go up or down; histograms refuse. */
  increment(id: number, delta: bigint): Status {
    const type = id & METRIC_TYPE_MASK;
    if (type === MetricType.Histogram) return Status.BadArgument;
    const m = this.byId.get(id);
    if (m === undefined) return Status.NotFound;
    if (type === MetricType.Counter && delta <= 0n) return Status.BadArgument;
    m.value += Number(delta);
    if (m.value < 0) m.value = 0; // Envoy gauges are unsigned
    return Status.Ok;
  }

  /** Counters add, gauges set, histograms record a sample. */
  record(id: number, value: bigint): Status {
    const m = this.byId.get(id);
    if (m === undefined) return Status.NotFound;
    const v = Number(BigInt.asUintN(64, value));
    if (m.type === MetricType.Counter) m.value += v;
    else if (m.type === MetricType.Gauge) m.value = v;
    else {
      const i = HISTOGRAM_BUCKETS.findIndex((le) => v <= le);
      if (i >= 0) m.buckets![i]!++;
      m.sum! += v;
      m.count!++;
    }
    return Status.Ok;
  }

  get(id: number): bigint | Status {
    const type = id & METRIC_TYPE_MASK;
    if (type === MetricType.Histogram) return Status.BadArgument;
    const m = this.byId.get(id);
    if (m === undefined) return Status.NotFound;
    return BigInt(Math.max(0, Math.trunc(m.value)));
  }
}
