// The records of a JSON array batch (a WebSocket message's "records", or a JSON array body),
// each parsed and with its text. Records are stored as text, so the plain way, JSON.parse of
// the whole and JSON.stringify of each record back, paid twice for every record. Producers
// write records as JSON.stringify does, one after another:
// `},{` between them. So the array is cut there and each piece parsed on its own; if any piece
// fails to parse, a cut fell inside a string or a nested array (the piece before it then ends
// inside an open string or bracket, which JSON.parse refuses), and the plain way is taken.
// Only text with no backslash at all is cut: the stored text is then the canonical one, so free
// text matches what a record says, not how it was escaped.

export interface Items {
  values: unknown[];
  /** Each record's text, when it was cut out of the message; undefined: stringify each value. */
  texts?: string[];
  /**
   * Each record's bytes, views into the message (no copy), when the message was all ASCII (a
   * character a byte, so the cut's offsets are byte offsets): a block is then put together from
   * them without encoding its records' text again.
   */
  raws?: Buffer[];
}

/**
 * Cut the text between an array's brackets (at `offset` in the message) into its elements, or
 * undefined; with the message's bytes, their views too.
 */
function cut(inner: string, offset = 0, bytes?: Buffer): Items | undefined {
  const texts: string[] = [];
  const values: unknown[] = [];
  let raws: Buffer[] | undefined = bytes ? [] : undefined;
  if (inner.trim() === '') return { values, texts, raws };
  let start = 0;
  for (;;) {
    const k = inner.indexOf('},{', start);
    const end = k < 0 ? inner.length : k + 1;
    const piece = inner.slice(start, end);
    const text = piece.trim();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    texts.push(text);
    values.push(value);
    if (raws && text.length === piece.length) raws.push(bytes!.subarray(offset + start, offset + end));
    else raws = undefined; // white space around a record: not worth slicing around
    if (k < 0) return { values, texts, raws };
    start = k + 2;
  }
}

/** A JSON array body's items; undefined when it is JSON but not an array. Throws SyntaxError when it is not JSON. */
export function arrayItems(body: string): Items | undefined {
  const open = body.indexOf('[');
  const close = body.lastIndexOf(']');
  if (body.indexOf('\\') < 0 && open >= 0 && close > open && body.slice(0, open).trim() === '' && body.slice(close + 1).trim() === '') {
    const items = cut(body.slice(open + 1, close));
    if (items) return items;
  }
  const value = JSON.parse(body) as unknown;
  return Array.isArray(value) ? { values: value } : undefined;
}

/**
 * A WebSocket message {"batch": …, "records": [...]} with "records" last (as producers write it):
 * the message with its records parsed and their texts (and, given the message's bytes, their
 * bytes); otherwise the message parsed whole (its records then have no texts). Throws
 * SyntaxError when the message is not JSON.
 */
export function messageItems(text: string, bytes?: Buffer): { message: { batch?: unknown; records?: unknown }; items?: Items } {
  const key = '"records":[';
  const at = text.indexOf(key);
  const close = text.lastIndexOf(']');
  if (at >= 0 && close > at && text.indexOf(key, at + 1) < 0 && text.indexOf('\\') < 0 && text.slice(close + 1).trim() === '}') {
    const bracket = at + key.length - 1;
    let envelope: { batch?: unknown; records?: unknown } | undefined;
    try {
      envelope = JSON.parse(text.slice(0, bracket) + '[]' + text.slice(close + 1)) as typeof envelope;
    } catch {
      envelope = undefined;
    }
    if (typeof envelope === 'object' && envelope !== null && Array.isArray(envelope.records) && envelope.records.length === 0) {
      const items = cut(text.slice(bracket + 1, close), bracket + 1, bytes?.length === text.length ? bytes : undefined);
      if (items) return { message: { ...envelope, records: items.values }, items };
    }
  }
  return { message: JSON.parse(text) as { batch?: unknown; records?: unknown } };
}
