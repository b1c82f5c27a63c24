// The collector's own events (a batch refused, a shard pruned, a tail refused): structured logs,
// one JSON object a line, to stderr, so that a log pipeline reads them without a parser of ours.

export type Log = (event: Record<string, unknown>) => void;

export const stderrLog: Log = (event) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
