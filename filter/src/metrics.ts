// The filter's own metrics, defined through the proxy (proxy_define_metric), so they appear in
// Envoy's /stats/prometheus next to the sidecar's: records captured, dropped and sampled out,
// batches sent and failed, redactions per rule, and the bytes waiting to be shipped.
// Per-request counts are added up here and handed to the proxy on the tick (and on shutdown):
// one host call per metric per tick instead of several per request.
import { MetricType } from "../../proxy-wasm-as/enums";
import { defineMetric, incrementMetric } from "../../proxy-wasm-as/hostcalls";
import { lowerAscii } from "./bytes";
import { Rule, RULE_NAMES } from "./redact/rules";

export namespace Metrics {
  export let captured: u32 = 0;
  export let dropped: u32 = 0;
  export let sampledOut: u32 = 0;
  export let batchesSent: u32 = 0;
  export let batchFailures: u32 = 0;
  export let bufferBytes: u32 = 0;
  export let redactions: StaticArray<u32> = new StaticArray<u32>(Rule.COUNT);
  let defined = false;

  export function define(): void {
    if (defined) return;
    defined = true;
    captured = defineMetric(MetricType.Counter, "redtail_records_captured");
    dropped = defineMetric(MetricType.Counter, "redtail_records_dropped");
    sampledOut = defineMetric(MetricType.Counter, "redtail_records_sampled_out");
    batchesSent = defineMetric(MetricType.Counter, "redtail_batches_sent");
    batchFailures = defineMetric(MetricType.Counter, "redtail_batch_failures");
    bufferBytes = defineMetric(MetricType.Gauge, "redtail_buffer_bytes");
    for (let i = 0; i < Rule.COUNT; i++) {
      redactions[i] = defineMetric(MetricType.Counter, "redtail_redactions_" + lowerAscii(RULE_NAMES[i]));
    }
  }

  let pendingCaptured: i64 = 0;
  let pendingSampledOut: i64 = 0;
  let pendingRedactions: StaticArray<i64> = new StaticArray<i64>(Rule.COUNT);

  /** A record captured, with its redactions (a count per rule, `fired` in all). */
  export function countCaptured(counts: StaticArray<u32>, fired: u32): void {
    if (fired > 0) {
      for (let i = 0; i < counts.length; i++) unchecked(pendingRedactions[i] += unchecked(counts[i]));
    }
    pendingCaptured++;
  }

  /** A request the sampling left out. */
  export function countSampledOut(): void {
    pendingSampledOut++;
  }

  export function add(id: u32, n: i64): void {
    incrementMetric(id, n);
  }

  let bufferReported: i64 = 0;

  /**
   * This VM's share of the buffer gauge. Every VM of the plugin adds to one gauge of that name
   * (Envoy keeps one per name for all workers), so each reports the change in what it holds: a
   * VM that set the gauge would hide the others' share.
   */
  export function reportBuffer(bytes: u32): void {
    const change = <i64>bytes - bufferReported;
    if (change == 0) return;
    incrementMetric(bufferBytes, change);
    bufferReported = bytes;
  }

  /** Hand the per-request counts to the proxy. */
  export function flush(): void {
    if (pendingCaptured > 0) { incrementMetric(captured, pendingCaptured); pendingCaptured = 0; }
    if (pendingSampledOut > 0) { incrementMetric(sampledOut, pendingSampledOut); pendingSampledOut = 0; }
    for (let i = 0; i < Rule.COUNT; i++) {
      const n = unchecked(pendingRedactions[i]);
      if (n > 0) { incrementMetric(redactions[i], n); unchecked(pendingRedactions[i] = 0); }
    }
  }
}
