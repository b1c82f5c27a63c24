// The HELP line of each metric the proxy's /stats/prometheus serves. A module defines a metric by
// name and type only (proxy_define_metric), so the descriptions of redtail's filter's metrics are
// kept here, beside the exporter; a metric of another module says where it came from.
const FILTER: Record<string, string> = {
  redtail_records_captured: 'Records the filter wrote for shipping (sampling done), all VMs of the plugin.',
  redtail_records_dropped: 'Records dropped before reaching the collector: the buffer was full, or the collector refused their batch (a gap notice counts them).',
  redtail_records_sampled_out: 'Requests left unrecorded by sampling.success_rate.',
  redtail_batches_sent: 'Batches the collector stored (answered 2xx).',
  redtail_batch_failures: 'Batch sends that failed: no connection, a non-2xx answer, or the proxy refused the call (the proxy log says which).',
  redtail_buffer_bytes: 'Memory the batches waiting to be shipped hold, summed over the plugin\'s VMs (bounded by buffer.max_bytes each).',
};

const REDACTIONS = 'redtail_redactions_';

/** The HELP text for a metric a module defined, by its name in the exposition. */
export function metricHelp(name: string): string {
  if (FILTER[name]) return FILTER[name];
  if (name.startsWith(REDACTIONS)) return `Values the filter redacted by its rule ${name.slice(REDACTIONS.length)}.`;
  return 'Defined by a proxy-wasm module (proxy_define_metric).';
}
