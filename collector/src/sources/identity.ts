// Who sent a batch. A batch id is `<source>/<seq>`; the filter names its source
// `<workload or node>-<12 hex digits>`, the random part new each time a VM starts (so its
// sequence can start again at 1), and the relay names its own (for batches that come without an
// id) `relay-<host>-<8 hex digits>`, new each time it starts. The identity is the source without
// that part: the workload, node or relay host, which outlives any one start, and whose silence
// is what matters.

/** The filter's random suffix (filter/src/ship.ts sourceName): a dash and six random bytes in hex. */
const VM_SUFFIX = /-[0-9a-f]{12}$/;
/** The relay's own source (relay/src/relay.ts): its host, then four random bytes in hex. */
const RELAY_SOURCE = /^(relay-.+)-[0-9a-f]{8}$/;

/** A batch id's source and sequence number, or undefined when it has no `/<seq>` to follow. */
export function sequenced(batch: string): { source: string; seq: number } | undefined {
  const slash = batch.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const digits = batch.slice(slash + 1);
  if (!/^[1-9]\d{0,14}$/.test(digits)) return undefined;
  return { source: batch.slice(0, slash), seq: Number(digits) };
}

/** The workload or node a source stands for; a source without the filter's suffix is its own identity. */
export function identityOf(source: string): string {
  if (VM_SUFFIX.test(source)) return source.replace(VM_SUFFIX, '');
  return RELAY_SOURCE.exec(source)?.[1] ?? source;
}
