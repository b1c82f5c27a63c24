// What an exporter asks of a receiver's format (otlp.ts, loki.ts): turn a run of stored records
// into one request. The exporter (exporter.ts) reads the records by position, filters and batches
// them, and delivers the request; the encoder knows only the receiver's format.

/** A record as stored: the JSON object the producer sent, after validation and redaction. */
export type StoredRecord = Record<string, unknown>;

/** One request to a receiver. */
export interface Payload {
  /** Appended to the exporter's endpoint: "/v1/logs", "/loki/api/v1/push". */
  path: string;
  /** content-type, and content-encoding when the body is compressed. */
  headers: Record<string, string>;
  body: Buffer;
  /** The body's size before compression, when compressed: what batch.bytes holds to (a receiver's limit counts it, and memory holds it). */
  plain?: number;
}

/** Records an accepting receiver says it did not keep after all (OTLP's partial success), and why. */
export interface Rejected {
  records: number;
  message: string;
}

export interface Encoder {
  /** One request holding every record given, in the order given. */
  encode(records: StoredRecord[]): Payload;
  /** What a 2xx answer's body says was not kept, if the format has a way to say it; undefined when all was. */
  rejected?(body: Buffer, contentType: string | undefined): Rejected | undefined;
}
