// Reading a batch without JSON.parse (AssemblyScript, built to build/reader.wasm; used by
// collector/src/ingest/reader.ts). JSON.parse builds every record as an object of a few dozen
// strings and numbers, the largest part of ingest; the collector needs only a record's bytes and a
// few of its fields. This walks the batch's bytes once, checks that they are JSON, cuts out each
// record, and for each known top-level key checks the value's type and size and notes where it
// is. A record that is plainly valid (ASCII, no escapes, no white space but spaces, required
// fields well formed; a null, which the collector drops, is not) is "fast": its row is made from
// its bytes. Any other record is left to JSON.parse and the usual checks, which also word every
// error. Anything this does not expect (a syntax error, deep nesting, a second "records")
// answers -1: the whole batch then goes the general way.

// Kinds of known keys (the collector defines them at load from the record's schema, with their limits).
const STRING: u8 = 1;
const INTEGER: u8 = 2;
const OBJECT: u8 = 3;
const TIME: u8 = 4;
const STATUS: u8 = 5;
const GAP: u8 = 6;

// The table: an entry per record, laid out by the collector and handed over at load (layout()):
// the record's start and end (byte offsets), whether it is fast, its status code, its line
// (NDJSON), where each kept field's value is (from and to; ABSENT, SAME or KNOWN - j when the
// collector has its string already: see sameAsBefore), and start_time in ms (f64). Byte offsets
// within an entry.
let ENTRY: u32 = 0; // i32 slots
let START_AT: usize = 0;
let END_AT: usize = 0;
let FAST_AT: usize = 0;
let STATUS_AT: usize = 0;
let LINE_AT: usize = 0;
let KEPT_AT: usize = 0; // kept field k: from at KEPT_AT + 8k, to 4 bytes on
let TIME_AT: usize = 0;
let KEPT: i32 = 0;
/** A kept field's value: absent, the same bytes as the record before's, or known value j of the batch (KNOWN - j). */
export const ABSENT: i32 = -1;
export const SAME: i32 = -2;
export const KNOWN: i32 = -16;
const MOST_KEPT: i32 = 16;
const DEPTH: i32 = 256;

// Known keys: an open-addressed table of 128 slots by a hash of length and first and last byte.
const SLOTS: i32 = 128;
const KEY_PTR: usize = memory.data(SLOTS * 4);
const KEY_LEN: usize = memory.data(SLOTS * 4);
const KEY_KIND: usize = memory.data(SLOTS);
const KEY_MAX: usize = memory.data(SLOTS * 4);
const KEY_SLOT: usize = memory.data(SLOTS * 4);
/** Per known key, the state of its last value in the current record: 0 absent, 1 good, 2 bad. */
const KEY_STATE: usize = memory.data(SLOTS);
const NAMES: usize = memory.data(4096);
let namesLen: usize = 0;
/** The slot of response_code, the one STATUS key. */
let statusKey: i32 = -1;

/** Where each kept field's last value was, in the record before (-1: it had none). */
const PREV_FROM: usize = memory.data(MOST_KEPT * 4);
const PREV_TO: usize = memory.data(MOST_KEPT * 4);

// The first DICTIONARY kept fields (those with terms: service, namespace, …) take few values in
// a batch, but not always the record before's (a relay's batch mixes services): each field keeps
// the first WORDS distinct values of the batch, and a value found there is marked KNOWN - its
// index, so the collector makes each one's string once. A value not found is added while there
// is room; the collector adds the string it makes by the same rule.
let DICTIONARY: i32 = 0;
let WORDS: i32 = 0;
const MOST_DICTIONARY: i32 = 8;
const MOST_WORDS: i32 = 32;
const WORD_FROM: usize = memory.data(MOST_DICTIONARY * MOST_WORDS * 4);
const WORD_LEN: usize = memory.data(MOST_DICTIONARY * MOST_WORDS * 4);
const WORD_COUNT: usize = memory.data(MOST_DICTIONARY * 4);

/**
 * The table's layout, from the collector: i32 slots per entry, the slot of each finding, how
 * many fields are kept, how many of them (the first) keep a dictionary, of how many values.
 * False when the module has no room for that many.
 */
export function layout(entry: u32, start: u32, end: u32, fast: u32, status: u32, line: u32, kept: u32, time: u32, keptCount: i32, dictionary: i32, words: i32): bool {
  if (keptCount > MOST_KEPT || dictionary > MOST_DICTIONARY || dictionary > keptCount || words > MOST_WORDS || (time & 1) != 0) return false;
  ENTRY = entry;
  START_AT = <usize>start << 2;
  END_AT = <usize>end << 2;
  FAST_AT = <usize>fast << 2;
  STATUS_AT = <usize>status << 2;
  LINE_AT = <usize>line << 2;
  KEPT_AT = <usize>kept << 2;
  TIME_AT = <usize>time << 2;
  KEPT = keptCount;
  DICTIONARY = dictionary;
  WORDS = words;
  return true;
}

/** The index of the bytes [from, to) among field k's values so far, or -1 (and added when there is room). */
function wordOf(k: usize, from: i32, to: i32): i32 {
  const count = load<i32>(WORD_COUNT + (k << 2));
  const len = to - from;
  const base = k * <usize>WORDS;
  for (let j = 0; j < count; j++) {
    const at = (base + <usize>j) << 2;
    if (load<i32>(WORD_LEN + at) == len && memory.compare(input + from, input + load<i32>(WORD_FROM + at), len) == 0) return j;
  }
  if (count < WORDS) {
    const at = (base + <usize>count) << 2;
    store<i32>(WORD_FROM + at, from);
    store<i32>(WORD_LEN + at, len);
    store<i32>(WORD_COUNT + (k << 2), count + 1);
  }
  return -1;
}

/**
 * Mark each kept value the collector has a string for already: for the first DICTIONARY
 * fields, one of the batch's values so far (-16 - index); for the others, the same bytes as the
 * record before's (-2). Remember where each is.
 */
function sameAsBefore(entry: usize): void {
  for (let k: usize = 0; k < <usize>KEPT; k++) {
    const from = load<i32>(entry + KEPT_AT + (k << 3));
    const to = load<i32>(entry + KEPT_AT + 4 + (k << 3));
    if (k < <usize>DICTIONARY) {
      if (from >= 0) {
        const j = wordOf(k, from, to);
        if (j >= 0) store<i32>(entry + KEPT_AT + (k << 3), KNOWN - j);
      }
      continue;
    }
    const pf = load<i32>(PREV_FROM + (k << 2));
    const pt = load<i32>(PREV_TO + (k << 2));
    if (from >= 0 && pf >= 0 && to - from == pt - pf && memory.compare(input + from, input + pf, to - from) == 0) {
      store<i32>(entry + KEPT_AT + (k << 3), SAME);
      continue;
    }
    store<i32>(PREV_FROM + (k << 2), from);
    store<i32>(PREV_TO + (k << 2), to);
  }
}

/** A new batch: no record before, no values known. */
function forgetBefore(): void {
  memory.fill(PREV_FROM, 0xff, KEPT * 4);
  memory.fill(WORD_COUNT, 0, DICTIONARY * 4);
}

let base: usize = 0; // the table, then the input
let input: usize = 0;
let records: u32 = 0;
let maxRecords: u32 = 0;
/** The "batch" value of a message: its span. */
let batchStart: i32 = -1;
let batchEnd: i32 = -1;

// The current string's and record's findings.
let escaped = false;
let wide = false;

function keyHash(p: usize, n: u32): i32 {
  return <i32>((n * 31 + <u32>load<u8>(p) * 7 + <u32>load<u8>(p + n - 1)) & <u32>(SLOTS - 1));
}

/** A known key, its bytes at the input pointer: kind, the most bytes a string may have, the kept slot or -1. */
export function defineKey(len: u32, kind: u8, max: u32, slot: i32): void {
  const name = NAMES + namesLen;
  memory.copy(name, input, len);
  namesLen += len;
  let h = keyHash(name, len);
  while (load<u32>(KEY_LEN + (<usize>h << 2)) != 0) h = (h + 1) & (SLOTS - 1);
  store<u32>(KEY_PTR + (<usize>h << 2), <u32>name);
  store<u32>(KEY_LEN + (<usize>h << 2), len);
  store<u8>(KEY_KIND + h, kind);
  store<u32>(KEY_MAX + (<usize>h << 2), max);
  store<i32>(KEY_SLOT + (<usize>h << 2), slot);
  if (kind == STATUS) statusKey = h;
}

function findKey(p: usize, n: u32): i32 {
  if (n == 0) return -1;
  let h = keyHash(p, n);
  while (true) {
    const len = load<u32>(KEY_LEN + (<usize>h << 2));
    if (len == 0) return -1;
    if (len == n && memory.compare(<usize>load<u32>(KEY_PTR + (<usize>h << 2)), p, n) == 0) return h;
    h = (h + 1) & (SLOTS - 1);
  }
}

/** Room for `len` bytes of input and a table of `max` records; the input's address, or 0 when memory cannot grow that far. */
export function prepare(len: u32, max: u32): usize {
  if (base == 0) base = (__heap_base + 15) & ~15;
  const need = <u64>max * ENTRY * 4 + len + 64;
  if (need > 0xf0000000) return 0;
  const end = base + <usize>need;
  const have = <usize>memory.size() << 16;
  if (end > have && memory.grow(<i32>((end - have + 0xffff) >>> 16)) < 0) return 0;
  input = base + <usize>max * ENTRY * 4;
  maxRecords = max;
  return input;
}

export function table(): usize {
  return base;
}

export function batchFrom(): i32 {
  return batchStart;
}

export function batchTo(): i32 {
  return batchEnd;
}

/** Digits [p, p + n) as a number, or -1 when any is not a digit. */
function digits(p: usize, n: u32): i32 {
  let v: i32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const d = at(p + i) - 0x30;
    if (d > 9) return -1;
    v = v * 10 + <i32>d;
  }
  return v;
}

/**
 * 2026-11-27T23:59:59.123Z at p (the filter's form, 24 bytes) in ms since the epoch, as
 * times.ts's filterTime reads it; NaN for anything else (a 30th of February too), which the
 * collector then reads the general way.
 */
function filterTime(p: usize): f64 {
  if (at(p + 4) != 0x2d || at(p + 7) != 0x2d || at(p + 10) != 0x54 || at(p + 13) != 0x3a || at(p + 16) != 0x3a || at(p + 19) != 0x2e || at(p + 23) != 0x5a) return NaN;
  const year = digits(p, 4);
  const month = digits(p + 5, 2);
  const day = digits(p + 8, 2);
  const hour = digits(p + 11, 2);
  const minute = digits(p + 14, 2);
  const second = digits(p + 17, 2);
  const ms = digits(p + 20, 3);
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || ms < 0) return NaN;
  // Days from 1970-01-01 to the first of the month (Howard Hinnant's days_from_civil), then on.
  const y = month <= 2 ? year - 1 : year;
  const era = y / 400;
  const yoe = y - era * 400;
  const doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5;
  const days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468 + day - 1;
  return <f64>days * 86400000 + <f64>(((hour * 60 + minute) * 60 + second) * 1000 + ms);
}

/** The days of a month in the Gregorian calendar, as times.ts's daysInMonth has them. */
function daysInMonth(year: i32, month: i32): i32 {
  if (month == 2) return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
  return month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31;
}

@inline function at(p: usize): u32 {
  return <u32>load<u8>(p);
}

/** Reading NDJSON: a newline is not white space but the end of a record. */
let lines = false;
/**
 * White space other than a space was skipped (a tab, CR or LF) since the current record began:
 * it is stored as one line, so its text is written again by the collector (record-text.ts).
 */
let spaced = false;

function ws(p: usize, e: usize): usize {
  while (p < e) {
    const c = at(p);
    if (c != 0x20) {
      if (c != 0x0d && c != 0x09 && (c != 0x0a || lines)) break;
      spaced = true;
    }
    p++;
  }
  return p;
}

function isHex(c: u32): bool {
  return (c - 0x30 < 10) || ((c | 0x20) - 0x61 < 6);
}

/** A string from its opening quote: the position after the closing one (sets escaped, wide), or 0. */
function string(p: usize, e: usize): usize {
  p++;
  // Sixteen bytes at a time while none is a quote, a backslash, a control character or non-ASCII.
  const quote = i8x16.splat(0x22);
  const slash = i8x16.splat(0x5c);
  const space = i8x16.splat(0x20);
  while (p + 16 <= e) {
    const v = v128.load(p);
    // Signed: bytes from 0x80 are negative, below ' ' as control characters are.
    const stop = v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, slash)), i8x16.lt_s(v, space));
    const mask = i8x16.bitmask(stop);
    if (mask == 0) {
      p += 16;
      continue;
    }
    p += ctz(mask);
    break;
  }
  while (p < e) {
    const c = at(p);
    if (c == 0x22) return p + 1;
    if (c == 0x5c) {
      escaped = true;
      if (p + 1 >= e) return 0;
      const x = at(p + 1);
      if (x == 0x75) {
        if (p + 6 > e || !isHex(at(p + 2)) || !isHex(at(p + 3)) || !isHex(at(p + 4)) || !isHex(at(p + 5))) return 0;
        p += 6;
      } else if (x == 0x22 || x == 0x5c || x == 0x2f || x == 0x62 || x == 0x66 || x == 0x6e || x == 0x72 || x == 0x74) p += 2;
      else return 0;
      continue;
    }
    if (c < 0x20) return 0;
    if (c >= 0x80) wide = true;
    p++;
  }
  return 0;
}

/** A number: the position after it, or 0. `plain` (out): digits only, no sign, fraction or exponent. */
let plain = false;
function number(p: usize, e: usize): usize {
  const s = p;
  if (p < e && at(p) == 0x2d) p++;
  if (p >= e) return 0;
  if (at(p) == 0x30) p++;
  else if (at(p) - 0x31 < 9) while (p < e && at(p) - 0x30 < 10) p++;
  else return 0;
  plain = at(s) != 0x2d;
  if (p < e && at(p) == 0x2e) {
    plain = false;
    p++;
    const d = p;
    while (p < e && at(p) - 0x30 < 10) p++;
    if (p == d) return 0;
  }
  if (p < e && (at(p) | 0x20) == 0x65) {
    plain = false;
    p++;
    if (p < e && (at(p) == 0x2b || at(p) == 0x2d)) p++;
    const d = p;
    while (p < e && at(p) - 0x30 < 10) p++;
    if (p == d) return 0;
  }
  return p;
}

function literal(p: usize, e: usize, word: u32, n: u32): usize {
  if (p + n > e) return 0;
  // true, null: 4 bytes; false: 5 (its first byte checked by the caller, the rest here).
  if (n == 4) return load<u32>(p) == word ? p + 4 : 0;
  return load<u32>(p + 1) == word ? p + 5 : 0;
}

/** Any JSON value: the position after it, or 0. */
function value(p: usize, e: usize, depth: i32): usize {
  if (p >= e) return 0;
  const c = at(p);
  if (c == 0x22) return string(p, e);
  if (c == 0x7b) return object(p, e, depth + 1);
  if (c == 0x5b) return array(p, e, depth + 1);
  if (c == 0x74) return literal(p, e, 0x65757274, 4); // true
  if (c == 0x6e) return literal(p, e, 0x6c6c756e, 4); // null
  if (c == 0x66) return literal(p, e, 0x65736c61, 5); // false
  return number(p, e);
}

/** The deepest level reached in the current record (the record is level 1), and the most a fast record may reach. */
let deepest: i32 = 1;
let maxDepth: i32 = DEPTH;

function object(p: usize, e: usize, depth: i32): usize {
  if (depth > DEPTH) return 0;
  if (depth > deepest) deepest = depth;
  p = ws(p + 1, e);
  if (p < e && at(p) == 0x7d) return p + 1;
  while (true) {
    if (p >= e || at(p) != 0x22) return 0;
    p = string(p, e);
    if (p == 0) return 0;
    p = ws(p, e);
    if (p >= e || at(p) != 0x3a) return 0;
    p = value(ws(p + 1, e), e, depth);
    if (p == 0) return 0;
    p = ws(p, e);
    if (p >= e) return 0;
    if (at(p) == 0x7d) return p + 1;
    if (at(p) != 0x2c) return 0;
    p = ws(p + 1, e);
  }
}

function array(p: usize, e: usize, depth: i32): usize {
  if (depth > DEPTH) return 0;
  if (depth > deepest) deepest = depth;
  p = ws(p + 1, e);
  if (p < e && at(p) == 0x5d) return p + 1;
  while (true) {
    p = value(p, e, depth);
    if (p == 0) return 0;
    p = ws(p, e);
    if (p >= e) return 0;
    if (at(p) == 0x5d) return p + 1;
    if (at(p) != 0x2c) return 0;
    p = ws(p + 1, e);
  }
}

/**
 * One record (an object) from its opening brace, into the table's next entry: the position after
 * it, or 0. Its known keys are checked as validate.ts checks them; the last of a repeated key
 * counts, as in JSON.parse.
 */
function record(p: usize, e: usize, line: i32): usize {
  if (records >= maxRecords) return 0;
  const entry = base + <usize>records * ENTRY * 4;
  const start = p;
  memory.fill(KEY_STATE, 0, SLOTS);
  for (let k = 0; k < KEPT; k++) store<i64>(entry + KEPT_AT + (<usize>k << 3), -1); // ABSENT, from and to
  store<f64>(entry + TIME_AT, NaN);
  store<i32>(entry + STATUS_AT, 0);
  let bad = 0; // known keys whose last value is not well formed
  let anyEscape = false;
  let gap = false;
  wide = false;
  spaced = false;
  deepest = 1;
  p = ws(p + 1, e);
  if (p < e && at(p) == 0x7d) p++;
  else while (true) {
    if (p >= e || at(p) != 0x22) return 0;
    const keyAt = p + 1;
    escaped = false;
    p = string(p, e);
    if (p == 0) return 0;
    // A key with an escape may spell a known one: such a record is left to JSON.parse.
    const known = escaped ? -1 : findKey(keyAt, <u32>(p - 1 - keyAt));
    anyEscape = anyEscape || escaped;
    p = ws(p, e);
    if (p >= e || at(p) != 0x3a) return 0;
    const v = ws(p + 1, e);
    escaped = false;
    p = value(v, e, 1);
    if (p == 0) return 0;
    anyEscape = anyEscape || escaped;
    if (known >= 0) {
      const kind = load<u8>(KEY_KIND + known);
      const slot = load<i32>(KEY_SLOT + (<usize>known << 2));
      const c = at(v);
      const n = <u32>(p - v);
      let good = false;
      if (kind == STRING) good = c == 0x22 && !escaped && n - 2 <= load<u32>(KEY_MAX + (<usize>known << 2));
      else if (kind == INTEGER) good = c - 0x30 < 10 && plain && n <= 15;
      else if (kind == OBJECT) good = c == 0x7b;
      else if (kind == TIME) {
        const t = c == 0x22 && !escaped && n == 26 ? filterTime(v + 1) : NaN;
        good = !isNaN(t);
        store<f64>(entry + TIME_AT, t);
      }
      else if (kind == STATUS) good = c - 0x30 < 10 && plain && n <= 3;
      else if (kind == GAP) gap = true;
      const was = load<u8>(KEY_STATE + known);
      const now: u8 = good ? 1 : 2;
      bad += (now == 2 ? 1 : 0) - (was == 2 ? 1 : 0);
      store<u8>(KEY_STATE + known, now);
      if (kind == STRING && slot >= 0) {
        store<i32>(entry + KEPT_AT + (<usize>slot << 3), good ? <i32>(v + 1 - input) : ABSENT);
        store<i32>(entry + KEPT_AT + 4 + (<usize>slot << 3), good ? <i32>(p - 1 - input) : ABSENT);
      } else if (kind == STATUS && good) {
        let code: i32 = 0;
        for (let q = v; q < p; q++) code = code * 10 + <i32>(at(q) - 0x30);
        store<i32>(entry + STATUS_AT, code);
      }
    }
    p = ws(p, e);
    if (p >= e) return 0;
    if (at(p) == 0x7d) {
      p++;
      break;
    }
    if (at(p) != 0x2c) return 0;
    p = ws(p + 1, e);
  }
  // start_time and response_code are required.
  const required = !isNaN(load<f64>(entry + TIME_AT)) && statusKey >= 0 && load<u8>(KEY_STATE + statusKey) == 1;
  sameAsBefore(entry);
  store<i32>(entry + START_AT, <i32>(start - input));
  store<i32>(entry + END_AT, <i32>(p - input));
  store<i32>(entry + FAST_AT, bad == 0 && required && !gap && !anyEscape && !wide && !spaced && deepest <= maxDepth ? 1 : 0);
  store<i32>(entry + LINE_AT, line);
  records++;
  return p;
}

/**
 * A WebSocket message {"batch": "...", "records": [{...}, ...]} of `len` input bytes: the
 * number of records read into the table, or -1 to take the general way. A record nested deeper
 * than `depth` levels is not fast (the collector words the error).
 */
export function readMessage(len: u32, depth: i32): i32 {
  const e = input + len;
  maxDepth = depth;
  records = 0;
  forgetBefore();
  batchStart = -1;
  batchEnd = -1;
  let seen = false;
  let p = ws(input, e);
  if (p >= e || at(p) != 0x7b) return -1;
  p = ws(p + 1, e);
  if (p < e && at(p) == 0x7d) return -1;
  while (true) {
    if (p >= e || at(p) != 0x22) return -1;
    const keyAt = p + 1;
    escaped = false;
    p = string(p, e);
    if (p == 0 || escaped) return -1;
    const n = p - 1 - keyAt;
    p = ws(p, e);
    if (p >= e || at(p) != 0x3a) return -1;
    p = ws(p + 1, e);
    if (n == 7 && memory.compare(keyAt, changetype<usize>(RECORDS_KEY), 7) == 0) {
      if (seen || p >= e || at(p) != 0x5b) return -1;
      seen = true;
      p = ws(p + 1, e);
      if (p < e && at(p) == 0x5d) p++;
      else while (true) {
        if (p >= e || at(p) != 0x7b) return -1;
        p = record(p, e, <i32>records + 1);
        if (p == 0) return -1;
        p = ws(p, e);
        if (p >= e) return -1;
        if (at(p) == 0x5d) {
          p++;
          break;
        }
        if (at(p) != 0x2c) return -1;
        p = ws(p + 1, e);
      }
    } else {
      const v = p;
      escaped = false;
      p = value(p, e, 1);
      if (p == 0) return -1;
      if (n == 5 && memory.compare(keyAt, changetype<usize>(BATCH_KEY), 5) == 0) {
        if (batchStart >= 0 || at(v) != 0x22 || escaped) return -1;
        batchStart = <i32>(v + 1 - input);
        batchEnd = <i32>(p - 1 - input);
      }
    }
    p = ws(p, e);
    if (p >= e) return -1;
    if (at(p) == 0x7d) break;
    if (at(p) != 0x2c) return -1;
    p = ws(p + 1, e);
  }
  if (ws(p + 1, e) != e || !seen) return -1;
  return <i32>records;
}

const RECORDS_KEY = memory.data<u8>([0x72, 0x65, 0x63, 0x6f, 0x72, 0x64, 0x73]);
const BATCH_KEY = memory.data<u8>([0x62, 0x61, 0x74, 0x63, 0x68]);

/** An NDJSON batch of `len` input bytes, a record a line, blank lines skipped: as readMessage. */
export function readLines(len: u32, depth: i32): i32 {
  const e = input + len;
  maxDepth = depth;
  records = 0;
  forgetBefore();
  // A line ends a record: between its tokens only spaces, tabs and CR count as white space.
  lines = true;
  let line: i32 = 1;
  let p = input;
  while (p < e) {
    p = ws(p, e);
    if (p < e && at(p) == 0x7b) {
      p = record(p, e, line);
      if (p == 0) break;
      p = ws(p, e);
    }
    if (p >= e) break;
    if (at(p) != 0x0a) {
      p = 0;
      break;
    }
    p++;
    line++;
  }
  lines = false;
  return p == 0 ? -1 : <i32>records;
}
