// How a string value goes into the record: escaped as it is (values Envoy makes from its own
// configuration), scanned by every rule (anything a client can put there), or read as a URL
// (its query parameters redacted by name).
import { getProperty, Ret } from "../../../proxy-wasm-as/hostcalls";
import { ByteWriter } from "../bytes";
import { fit } from "./bounds";
import { writeEscaped } from "../redact/escape";
import { As, Redactor } from "../redact/redactor";

export enum Value {
  Escaped,
  Scanned,
  Url,
}

/** ,"name":"value" from n bytes at p, cut at the field's bound. Inlined: it writes most fields of every record. */
@inline export function writeString(w: ByteWriter, r: Redactor, name: ArrayBuffer, p: usize, n: u32, how: Value): void {
  w.buf(name);
  const start = w.len;
  if (how == Value.Scanned) r.text(w, p, n, As.Value);
  else if (how == Value.Url) r.url(w, p, n);
  else writeEscaped(w, p, n);
  fit(w, r, name, start);
  w.byte(0x22);
}

/** ,"name":"value" from a string property; nothing when Envoy has none. */
export function writeProperty(w: ByteWriter, r: Redactor, name: ArrayBuffer, path: ArrayBuffer, how: Value): void {
  if (!getProperty(path)) return;
  if (Ret.len > 0) writeString(w, r, name, Ret.ptr, Ret.len, how);
  Ret.free();
}
