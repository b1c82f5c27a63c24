// A small JSON parser for the filter's configuration (once per configure, so clarity over speed).
// Strict: duplicate keys are an error, since a repeated key would silently override a setting.

export enum JsonKind { Null, Bool, Number, String, Array, Object }

export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  bool: bool = false;
  num: f64 = 0;
  str: string = "";
  items: JsonValue[] = [];
  keys: string[] = [];
  values: JsonValue[] = [];

  get(key: string): JsonValue | null {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] == key) return this.values[i];
    return null;
  }

  /** How the value looks, for error messages: `"fast"`, `12`, `an object`. */
  describe(): string {
    if (this.kind == JsonKind.Null) return "null";
    if (this.kind == JsonKind.Bool) return this.bool ? "true" : "false";
    if (this.kind == JsonKind.Number) return numberText(this.num);
    if (this.kind == JsonKind.String) return "\"" + (this.str.length > 40 ? this.str.substring(0, 40) + "…" : this.str) + "\"";
    if (this.kind == JsonKind.Array) return "an array";
    return "an object";
  }
}

export class JsonParser {
  error: string = "";
  private s: string = "";
  private i: i32 = 0;

  parse(text: string): JsonValue | null {
    this.s = text;
    this.i = 0;
    this.error = "";
    const v = this.value(0);
    if (v === null) return null;
    this.space();
    if (this.i < this.s.length) return this.fail("unexpected text after the JSON value");
    return v;
  }

  private fail(what: string): JsonValue | null {
    if (this.error.length == 0) {
      this.error = this.i >= this.s.length ? "unexpected end of input (" + what + ")" : what + " at offset " + this.i.toString();
    }
    return null;
  }

  private space(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      this.i++;
    }
  }

  private value(depth: i32): JsonValue | null {
    if (depth > 32) return this.fail("nesting deeper than 32 levels");
    this.space();
    if (this.i >= this.s.length) return this.fail("unexpected end of input");
    const c = this.s.charCodeAt(this.i);
    const v = new JsonValue();
    if (c == 0x7b) return this.object(depth);
    if (c == 0x5b) return this.array(depth);
    if (c == 0x22) {
      const str = this.string();
      if (str === null) return null;
      v.kind = JsonKind.String;
      v.str = str;
      return v;
    }
    if (this.s.startsWith("true", this.i)) { this.i += 4; v.kind = JsonKind.Bool; v.bool = true; return v; }
    if (this.s.startsWith("false", this.i)) { this.i += 5; v.kind = JsonKind.Bool; return v; }
    if (this.s.startsWith("null", this.i)) { this.i += 4; return v; }
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    return this.fail("unexpected character '" + String.fromCharCode(c) + "'");
  }

  private number(): JsonValue | null {
    const start = this.i;
    if (this.s.charCodeAt(this.i) == 0x2d) this.i++;
    if (!this.digits()) return this.fail("a number needs digits");
    if (this.i < this.s.length && this.s.charCodeAt(this.i) == 0x2e) {
      this.i++;
      if (!this.digits()) return this.fail("a number needs digits after the point");
    }
    if (this.i < this.s.length && (this.s.charCodeAt(this.i) | 0x20) == 0x65) {
      this.i++;
      if (this.i < this.s.length && (this.s.charCodeAt(this.i) == 0x2b || this.s.charCodeAt(this.i) == 0x2d)) this.i++;
      if (!this.digits()) return this.fail("a number needs digits in its exponent");
    }
    const v = new JsonValue();
    v.kind = JsonKind.Number;
    v.num = numberOf(this.s, start, this.i);
    return v;
  }

  private digits(): bool {
    const start = this.i;
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c < 0x30 || c > 0x39) break;
      this.i++;
    }
    return this.i > start;
  }

  private string(): string | null {
    this.i++; // opening quote
    let out = "";
    let run = this.i;
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c == 0x22) {
        out += this.s.substring(run, this.i);
        this.i++;
        return out;
      }
      if (c < 0x20) { this.fail("a control character inside a string (escape it)"); return null; }
      if (c == 0x5c) {
        out += this.s.substring(run, this.i);
        this.i++;
        if (this.i >= this.s.length) break;
        const e = this.s.charCodeAt(this.i);
        if (e == 0x22) out += "\"";
        else if (e == 0x5c) out += "\\";
        else if (e == 0x2f) out += "/";
        else if (e == 0x62) out += "\b";
        else if (e == 0x66) out += "\f";
        else if (e == 0x6e) out += "\n";
        else if (e == 0x72) out += "\r";
        else if (e == 0x74) out += "\t";
        else if (e == 0x75) {
          if (this.i + 4 >= this.s.length) break;
          const code = hex4(this.s, this.i + 1);
          if (code < 0) { this.fail("a bad \\u escape"); return null; }
          out += String.fromCharCode(code);
          this.i += 4;
        } else { this.fail("an unknown escape \\" + String.fromCharCode(e)); return null; }
        this.i++;
        run = this.i;
        continue;
      }
      this.i++;
    }
    this.fail("an unterminated string");
    return null;
  }

  private array(depth: i32): JsonValue | null {
    this.i++;
    const v = new JsonValue();
    v.kind = JsonKind.Array;
    this.space();
    if (this.i < this.s.length && this.s.charCodeAt(this.i) == 0x5d) { this.i++; return v; }
    while (true) {
      const item = this.value(depth + 1);
      if (item === null) return null;
      v.items.push(item);
      this.space();
      if (this.i >= this.s.length) return this.fail("an unterminated array");
      const c = this.s.charCodeAt(this.i++);
      if (c == 0x5d) return v;
      if (c != 0x2c) return this.fail("expected ',' or ']' in an array");
    }
  }

  private object(depth: i32): JsonValue | null {
    this.i++;
    const v = new JsonValue();
    v.kind = JsonKind.Object;
    this.space();
    if (this.i < this.s.length && this.s.charCodeAt(this.i) == 0x7d) { this.i++; return v; }
    while (true) {
      this.space();
      if (this.i >= this.s.length || this.s.charCodeAt(this.i) != 0x22) return this.fail("expected a quoted key");
      const key = this.string();
      if (key === null) return null;
      if (v.get(key) !== null) return this.fail("the key \"" + key + "\" appears twice");
      this.space();
      if (this.i >= this.s.length || this.s.charCodeAt(this.i) != 0x3a) return this.fail("expected ':' after a key");
      this.i++;
      const item = this.value(depth + 1);
      if (item === null) return null;
      v.keys.push(key);
      v.values.push(item);
      this.space();
      if (this.i >= this.s.length) return this.fail("an unterminated object");
      const c = this.s.charCodeAt(this.i++);
      if (c == 0x7d) return v;
      if (c != 0x2c) return this.fail("expected ',' or '}' in an object");
    }
  }
}

/** A JSON number already checked for its form, from s[start, end): what a configuration needs (limits, rates), without a general float parser. */
function numberOf(s: string, start: i32, end: i32): f64 {
  let i = start;
  const negative = s.charCodeAt(i) == 0x2d;
  if (negative) i++;
  let m: f64 = 0;
  let scale = 0;
  let point = false;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x2e) { point = true; continue; }
    if (c < 0x30 || c > 0x39) break;
    m = m * 10 + <f64>(c - 0x30);
    if (point) scale--;
  }
  if (i < end) {
    i++; // e or E
    const down = s.charCodeAt(i) == 0x2d;
    if (down || s.charCodeAt(i) == 0x2b) i++;
    let e = 0;
    for (; i < end && e < 400; i++) e = e * 10 + (s.charCodeAt(i) - 0x30);
    scale += down ? -e : e;
  }
  for (; scale > 0; scale--) m *= 10;
  for (; scale < 0; scale++) m /= 10;
  return negative ? -m : m;
}

/** A number for an error message: an integer as it is, else with up to six decimals. */
function numberText(n: f64): string {
  if (!isFinite(n)) return n > 0 ? "a number too large" : "a number too small";
  const negative = n < 0;
  const a = negative ? -n : n;
  if (a >= 9007199254740992) return negative ? "a number below -2^53" : "a number over 2^53";
  const whole = <u64>a;
  let text = whole.toString();
  let fraction = <u64>Math.round((a - <f64>whole) * 1000000);
  if (fraction >= 1000000) { text = (whole + 1).toString(); fraction = 0; }
  if (fraction > 0) {
    let digits = fraction.toString();
    while (digits.length < 6) digits = "0" + digits;
    while (digits.endsWith("0")) digits = digits.substring(0, digits.length - 1);
    text += "." + digits;
  }
  return (negative ? "-" : "") + text;
}

/** Four hex digits of s at i as a number, or -1. */
function hex4(s: string, i: i32): i32 {
  if (i + 4 > s.length) return -1;
  let v = 0;
  for (let k = 0; k < 4; k++) {
    const c = s.charCodeAt(i + k) | 0x20;
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x61 + 10 : -1;
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}
