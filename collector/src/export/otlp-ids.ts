// Trace and span ids as OTLP carries them: 16 and 8 raw bytes. The record has them in hex (from
// traceparent or B3); an id that is not hex of the right length, or is all zeros (W3C's "invalid"),
// is left out of the log record rather than sent as something a backend would join on. The record
// itself, in the body, still has what was written.

const ZEROS = /^0+$/;

function bytes(v: unknown, hexDigits: number[], length: number): Uint8Array | undefined {
  if (typeof v !== 'string' || !hexDigits.includes(v.length) || !/^[0-9a-fA-F]+$/.test(v) || ZEROS.test(v)) return undefined;
  return Buffer.from(v.padStart(length * 2, '0'), 'hex');
}

/** 32 hex digits, or B3's 64-bit 16, which W3C and OpenTelemetry's B3 propagator pad with zeros on the left. */
export const traceId = (v: unknown): Uint8Array | undefined => bytes(v, [16, 32], 16);

export const spanId = (v: unknown): Uint8Array | undefined => bytes(v, [16], 8);
