// A block's terms: the full-text document (FTS5, one per block, written with the block) that
// says which field values, status codes and path words the block holds. A field's value is one
// token, a letter for the field then a 60-bit hash of the value in base 36, so any value (dots,
// dashes, any script) is one token that cannot be confused with another field's. Hash
// collisions only add a candidate block: records are checked exactly.
//
// Queries spell a term as a string (term()); a block's document is written as bytes (Terms), the
// same text without a string per digit, which is the costly part of spelling terms.
import { distinctWords } from '../search/distinct.js';
import { type Row, rowReader } from '../ingest/validate.js';
import { FIELDS } from '../record/schema.js';

/**
 * The fields with terms (record/schema.ts), each with the letter its terms start with, and its
 * value on a row. Request and trace ids have none: each is in a record or two, so their terms
 * would be two new FTS5 terms a record, the most costly part of a write, and their words are in
 * the free-text index already, where queries find them (query.ts). Older shards may still hold
 * such terms ('r', 't'), unread.
 */
const VALUES = FIELDS.flatMap((f) => (typeof f.index === 'object' ? [[f.index.term, rowReader(f.name)] as [string, (r: Row) => string | null]] : []));

// The two halves of the last value hashed (32 and 28 bits).
let hashA = 0;
let hashB = 0;

function hash(value: string): void {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  hashA = a >>> 0;
  hashB = (b >>> 0) & 0xfffffff;
}

/** The full-text token for a field's value. */
export function term(field: string, value: string): string {
  hash(value);
  return `x${field}${base36(hashA)}${base36(hashB)}`;
}

const DIGITS36 = '0123456789abcdefghijklmnopqrstuvwxyz';
const DIGIT_BYTES = Buffer.from(DIGITS36, 'latin1');

/** n.toString(36) for an unsigned 32-bit n, by hand: the built-in is slower, on every term. */
export function base36(n: number): string {
  let out = '';
  do {
    out = DIGITS36[n % 36]! + out;
    n = Math.floor(n / 36);
  } while (n > 0);
  return out;
}

/** The term for a status code (digits are a token already). */
export const statusTerm = (status: number): string => `xc${status}`;

/** The letter of a service answering a status: "service X, 5xx" is the query people run most. */
const SERVICE_STATUS = 'k';
export const serviceStatus = (service: string, status: number): string => term(SERVICE_STATUS, `${status} ${service}`);

/** A terms document being written: terms as term() spells them, a space after each. */
export class Terms {
  private buf = Buffer.allocUnsafe(1 << 15);
  private len = 0;

  /** What term(field, value) says, and a space. */
  term(field: string, value: string): void {
    hash(value);
    this.room(20);
    this.buf[this.len++] = 0x78; // x
    this.buf[this.len++] = field.charCodeAt(0);
    this.base36(hashA);
    this.base36(hashB);
    this.buf[this.len++] = 0x20;
  }

  /** ASCII text as it is, and a space. */
  ascii(text: string): void {
    this.room(text.length + 1);
    this.len += this.buf.write(text, this.len, 'latin1');
    this.buf[this.len++] = 0x20;
  }

  text(): string {
    return this.buf.toString('latin1', 0, this.len);
  }

  private base36(n: number): void {
    let digits = 1;
    for (let m = n; m >= 36; m = ((m / 36) >>> 0)) digits++;
    // Integer steps (>>> 0 truncates any 32-bit quotient): Math.floor on doubles costs more.
    for (let i = this.len + digits - 1; i >= this.len; i--) {
      const q = (n / 36) >>> 0;
      this.buf[i] = DIGIT_BYTES[n - q * 36]!;
      n = q;
    }
    this.len += digits;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }
}

/**
 * A block's terms: one per distinct field value, each status code, each service and status
 * together, then the words of the records' paths (for path prefixes).
 */
export function blockTerms(rows: Row[]): string {
  // Distinct values per field first, then one hash each: a block of one service hashes its
  // name once, not 256 times. Rows mostly repeat the row before's values (the reader then gives
  // the very same string), so that is checked before the set.
  const out = new Terms();
  for (const [letter, get] of VALUES) {
    const values = new Set<string>();
    let last: string | null = null;
    for (const r of rows) {
      const v = get(r);
      if (v !== last && v !== null) values.add((last = v));
    }
    for (const v of values) out.term(letter, v);
  }
  const codes = new Map<number, Set<string>>(); // status -> services answering it
  let lastStatus = -1;
  let lastService: string | null = null;
  for (const r of rows) {
    if (r.status === lastStatus && r.service === lastService) continue;
    lastStatus = r.status;
    lastService = r.service;
    let services = codes.get(r.status);
    if (services === undefined) codes.set(r.status, (services = new Set()));
    if (r.service !== null) services.add(r.service);
  }
  for (const [status, services] of codes) {
    out.ascii(statusTerm(status));
    for (const service of services) out.term(SERVICE_STATUS, `${status} ${service}`);
  }
  // The paths' words, each once (distinct.ts): a service's records ask for the same few paths
  // with the same few parameters over and over.
  const paths = new Set<string>();
  for (const r of rows) if (r.path !== null) paths.add(r.path);
  return out.text() + distinctWords(Buffer.from([...paths].join(' ')));
}
