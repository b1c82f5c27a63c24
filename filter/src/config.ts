// The filter's configuration: one JSON object (Envoy `configuration`, Istio `pluginConfig`).
// Every field is optional with a safe default; every limit is checked; unknown fields are errors,
// because a typo ("redact.rulez") must never silently weaken redaction. Errors name the field,
// the value and what was expected.
import { lowerAscii } from "./bytes";
import { JsonKind, JsonParser, JsonValue } from "./json";
import { DEFAULT_MODES, DENIED_HEADERS, hasPartial, Mode, MODE_NAMES, mayTurnOff, RULE_NAMES, ruleIndex } from "./redact/rules";

export class Config {
  cluster: string = "redtail-collector";
  authority: string = "redtail-collector";
  path: string = "/v1/ingest";
  token: string = "";
  /** The environment variable the token is read from, so it need not be written in the configuration. */
  tokenEnv: string = "";
  timeoutMs: u32 = 5000;
  flushIntervalMs: u32 = 1000;
  /** An idle VM sends an empty batch this often, so the collector tells a quiet proxy from a dead one. */
  heartbeatMs: u32 = 60000;
  maxRecords: u32 = 2000;
  maxBatchBytes: u32 = 1024 * 1024;
  bufferMaxBytes: u32 = 4 * 1024 * 1024;
  retryInitialMs: u32 = 250;
  retryMaxMs: u32 = 30000;
  requestHeaders: string[] = ["content-type", "content-length", "referer", "x-forwarded-proto"];
  responseHeaders: string[] = ["content-type", "content-length"];
  bodyEnabled: bool = false;
  bodyMaxBytes: u32 = 1024;
  bodyContentTypes: string[] = ["application/json", "application/x-www-form-urlencoded", "text/plain"];
  deniedHeaders: string[] = DENIED_HEADERS.slice(0);
  /** Names the configuration adds to those secret by their words (redact.query_params, redact.headers). */
  secretNames: string[] = [];
  cookiesKept: string[] = [];
  modes: u8[] = DEFAULT_MODES.slice(0);
  hmacKey: string = "";
  hmacKeyId: string = "k1";
  successRate: f64 = 1.0;
  service: string = "";
  namespace: string = "";
  workload: string = "";
  node: string = "";
  /** Namespaces whose proxies record nothing (skip.namespaces), checked against the proxy's own. */
  skipNamespaces: string[] = [];
  /** False when this proxy's namespace is skipped: decided at configure, from its identity. */
  records: bool = true;
}

/** The configuration, or why not (in `error`). */
export class ConfigResult {
  config: Config | null = null;
  error: string = "";
}

class Reader {
  error: string = "";

  fail(path: string, expected: string, got: JsonValue | null): void {
    if (this.error.length == 0) {
      this.error = "\"" + path + "\" must be " + expected + (got !== null ? ", got " + got.describe() : "");
    }
  }

  /** Check an object's keys against the known ones. */
  object(v: JsonValue, path: string, known: string[]): bool {
    if (v.kind != JsonKind.Object) {
      this.fail(path.length ? path : "the configuration", "a JSON object", v);
      return false;
    }
    for (let i = 0; i < v.keys.length; i++) {
      if (!known.includes(v.keys[i])) {
        if (this.error.length == 0) {
          const where = path.length ? path + "." + v.keys[i] : v.keys[i];
          this.error = "unknown field \"" + where + "\"; known fields " + (path.length ? "of \"" + path + "\" " : "") + "are " + known.join(", ");
        }
        return false;
      }
    }
    return true;
  }

  str(v: JsonValue | null, path: string, dflt: string, min: i32, max: i32): string {
    if (v === null) return dflt;
    if (v.kind != JsonKind.String || v.str.length < min || v.str.length > max) {
      this.fail(path, "a string of " + min.toString() + " to " + max.toString() + " characters", v);
      return dflt;
    }
    return v.str;
  }

  int(v: JsonValue | null, path: string, dflt: u32, min: u32, max: u32): u32 {
    if (v === null) return dflt;
    if (v.kind != JsonKind.Number || v.num != Math.floor(v.num) || v.num < <f64>min || v.num > <f64>max) {
      this.fail(path, "an integer from " + min.toString() + " to " + max.toString(), v);
      return dflt;
    }
    return <u32>v.num;
  }

  bool(v: JsonValue | null, path: string, dflt: bool): bool {
    if (v === null) return dflt;
    if (v.kind != JsonKind.Bool) {
      this.fail(path, "true or false", v);
      return dflt;
    }
    return v.bool;
  }

  /** A list of header or parameter names: lower-cased, printable ASCII without spaces. */
  names(v: JsonValue | null, path: string, dflt: string[], max: i32): string[] {
    if (v === null) return dflt;
    if (v.kind != JsonKind.Array || v.items.length > max) {
      this.fail(path, "an array of at most " + max.toString() + " names", v);
      return dflt;
    }
    const out: string[] = [];
    for (let i = 0; i < v.items.length; i++) {
      const item = v.items[i];
      if (item.kind != JsonKind.String || item.str.length == 0 || item.str.length > 128 || !isToken(item.str)) {
        this.fail(path + "[" + i.toString() + "]", "a name of 1 to 128 visible ASCII characters", item);
        return dflt;
      }
      out.push(lowerAscii(item.str));
    }
    return out;
  }
}

function isToken(s: string): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

function isEnvName(s: string): bool {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f;
    if (!letter && !(i > 0 && c >= 0x30 && c <= 0x39)) return false;
  }
  return true;
}

/** The token read from the environment variable the configuration names; the reason when it cannot be. */
export function tokenFromEnv(c: Config, raw: string | null): string {
  // A Secret made with --from-file usually ends in a newline: only line ends are trimmed.
  const value = raw === null ? "" : trimLineEnds(raw);
  if (value.length == 0) {
    return "\"collector.token_env\" names " + c.tokenEnv + ", which the proxy's environment does not hold (Envoy: vm_config.environment_variables; Istio: the WasmPlugin's vmConfig.env with valueFrom HOST, and the variable set on the istio-proxy container; redtail proxy: --vm-env " + c.tokenEnv + ")";
  }
  if (!isToken(value) || value.length > 4096) return "the token in " + c.tokenEnv + " must be 1 to 4096 visible ASCII characters without spaces";
  c.token = value;
  return "";
}

function trimLineEnds(s: string): string {
  let end = s.length;
  while (end > 0 && (s.charCodeAt(end - 1) == 0x0a || s.charCodeAt(end - 1) == 0x0d)) end--;
  return s.substring(0, end);
}

function union(base: string[], extra: string[]): string[] {
  const out = base.slice(0);
  for (let i = 0; i < extra.length; i++) if (!out.includes(extra[i])) out.push(extra[i]);
  return out;
}

export function parseConfig(text: string): ConfigResult {
  const result = new ConfigResult();
  const c = new Config();
  const parser = new JsonParser();
  const root = text.trim().length == 0 ? new JsonParser().parse("{}") : parser.parse(text);
  if (root === null) {
    result.error = "the configuration is not valid JSON: " + parser.error;
    return result;
  }
  const r = new Reader();
  if (!r.object(root, "", ["collector", "flush", "buffer", "retry", "capture", "redact", "sampling", "identity", "skip"])) {
    result.error = r.error;
    return result;
  }

  const collector = root.get("collector");
  if (collector !== null && r.object(collector, "collector", ["cluster", "authority", "path", "token", "token_env", "timeout_ms"])) {
    c.cluster = r.str(collector.get("cluster"), "collector.cluster", c.cluster, 1, 256);
    c.authority = r.str(collector.get("authority"), "collector.authority", c.authority, 1, 256);
    c.path = r.str(collector.get("path"), "collector.path", c.path, 1, 1024);
    if (!c.path.startsWith("/")) r.fail("collector.path", "a path starting with /", collector.get("path"));
    c.token = r.str(collector.get("token"), "collector.token", c.token, 0, 4096);
    if (!isToken(c.token) && c.token.length > 0) r.fail("collector.token", "visible ASCII without spaces", collector.get("token"));
    c.tokenEnv = r.str(collector.get("token_env"), "collector.token_env", c.tokenEnv, 1, 256);
    if (c.tokenEnv.length > 0 && !isEnvName(c.tokenEnv)) r.fail("collector.token_env", "an environment variable's name (letters, digits and _, not first a digit)", collector.get("token_env"));
    if (c.tokenEnv.length > 0 && c.token.length > 0) r.fail("collector.token_env", "left out when collector.token is set (one source for the token)", collector.get("token_env"));
    c.timeoutMs = r.int(collector.get("timeout_ms"), "collector.timeout_ms", c.timeoutMs, 100, 60000);
  }

  const flush = root.get("flush");
  if (flush !== null && r.object(flush, "flush", ["interval_ms", "max_records", "max_bytes", "heartbeat_ms"])) {
    c.flushIntervalMs = r.int(flush.get("interval_ms"), "flush.interval_ms", c.flushIntervalMs, 10, 60000);
    c.heartbeatMs = r.int(flush.get("heartbeat_ms"), "flush.heartbeat_ms", c.heartbeatMs, 1000, 3600000);
    c.maxRecords = r.int(flush.get("max_records"), "flush.max_records", c.maxRecords, 1, 10000);
    c.maxBatchBytes = r.int(flush.get("max_bytes"), "flush.max_bytes", c.maxBatchBytes, 1024, 8 * 1024 * 1024);
  }

  const buffer = root.get("buffer");
  if (buffer !== null && r.object(buffer, "buffer", ["max_bytes"])) {
    c.bufferMaxBytes = r.int(buffer.get("max_bytes"), "buffer.max_bytes", c.bufferMaxBytes, 16 * 1024, 256 * 1024 * 1024);
  }
  if (r.error.length == 0 && c.bufferMaxBytes < c.maxBatchBytes) {
    r.fail("buffer.max_bytes", "at least flush.max_bytes (" + c.maxBatchBytes.toString() + ")", buffer !== null ? buffer.get("max_bytes") : null);
  }

  const retry = root.get("retry");
  if (retry !== null && r.object(retry, "retry", ["initial_ms", "max_ms"])) {
    c.retryInitialMs = r.int(retry.get("initial_ms"), "retry.initial_ms", c.retryInitialMs, 10, 60000);
    c.retryMaxMs = r.int(retry.get("max_ms"), "retry.max_ms", c.retryMaxMs, c.retryInitialMs, 3600000);
  }

  const capture = root.get("capture");
  if (capture !== null && r.object(capture, "capture", ["request_headers", "response_headers", "body"])) {
    c.requestHeaders = r.names(capture.get("request_headers"), "capture.request_headers", c.requestHeaders, 64);
    c.responseHeaders = r.names(capture.get("response_headers"), "capture.response_headers", c.responseHeaders, 64);
    const body = capture.get("body");
    if (body !== null && r.object(body, "capture.body", ["enabled", "max_bytes", "content_types"])) {
      c.bodyEnabled = r.bool(body.get("enabled"), "capture.body.enabled", c.bodyEnabled);
      c.bodyMaxBytes = r.int(body.get("max_bytes"), "capture.body.max_bytes", c.bodyMaxBytes, 1, 65536);
      c.bodyContentTypes = r.names(body.get("content_types"), "capture.body.content_types", c.bodyContentTypes, 32);
    }
  }

  const redact = root.get("redact");
  if (redact !== null && r.object(redact, "redact", ["headers", "query_params", "cookies_kept", "rules", "hmac"])) {
    const headers = r.names(redact.get("headers"), "redact.headers", [], 128);
    c.deniedHeaders = union(DENIED_HEADERS, headers);
    c.secretNames = union(r.names(redact.get("query_params"), "redact.query_params", [], 128), headers);
    c.cookiesKept = r.names(redact.get("cookies_kept"), "redact.cookies_kept", [], 64);
    const rules = redact.get("rules");
    if (rules !== null && r.object(rules, "redact.rules", RULE_NAMES)) {
      for (let i = 0; i < rules.keys.length; i++) {
        const rule = ruleIndex(rules.keys[i]);
        const v = rules.values[i];
        const path = "redact.rules." + rules.keys[i];
        const mode = v.kind == JsonKind.String ? MODE_NAMES.indexOf(v.str) : -1;
        if (mode < 0) { r.fail(path, "one of off, mask, partial, hmac", v); break; }
        if (<u8>mode == Mode.Off && !mayTurnOff(rule)) { r.fail(path, "mask or hmac (a rule that guards secrets cannot be turned off)", v); break; }
        if (<u8>mode == Mode.Partial && !hasPartial(rule)) { r.fail(path, "off, mask or hmac (it has no partial form)", v); break; }
        c.modes[rule] = <u8>mode;
      }
    }
    const hmac = redact.get("hmac");
    if (hmac !== null && r.object(hmac, "redact.hmac", ["key", "key_id"])) {
      c.hmacKey = r.str(hmac.get("key"), "redact.hmac.key", "", 16, 1024);
      c.hmacKeyId = r.str(hmac.get("key_id"), "redact.hmac.key_id", c.hmacKeyId, 1, 32);
      if (!isToken(c.hmacKeyId) || c.hmacKeyId.includes(":") || c.hmacKeyId.includes("]")) r.fail("redact.hmac.key_id", "visible ASCII without spaces, ':' or ']'", hmac.get("key_id"));
    }
  }
  if (r.error.length == 0 && c.hmacKey.length == 0) {
    for (let i = 0; i < c.modes.length; i++) {
      if (c.modes[i] == Mode.Hmac) {
        r.fail("redact.hmac.key", "set (16 characters or more) when a rule uses hmac, as " + RULE_NAMES[i] + " does", null);
        break;
      }
    }
  }

  const sampling = root.get("sampling");
  if (sampling !== null && r.object(sampling, "sampling", ["success_rate"])) {
    const v = sampling.get("success_rate");
    if (v !== null) {
      if (v.kind != JsonKind.Number || v.num < 0 || v.num > 1) r.fail("sampling.success_rate", "a number from 0 to 1", v);
      else c.successRate = v.num;
    }
  }

  const identity = root.get("identity");
  if (identity !== null && r.object(identity, "identity", ["service", "namespace", "workload", "node"])) {
    c.service = r.str(identity.get("service"), "identity.service", "", 0, 253);
    c.namespace = r.str(identity.get("namespace"), "identity.namespace", "", 0, 253);
    c.workload = r.str(identity.get("workload"), "identity.workload", "", 0, 253);
    c.node = r.str(identity.get("node"), "identity.node", "", 0, 253);
  }

  const skip = root.get("skip");
  if (skip !== null && r.object(skip, "skip", ["namespaces"])) {
    c.skipNamespaces = r.names(skip.get("namespaces"), "skip.namespaces", c.skipNamespaces, 64);
  }

  if (r.error.length > 0) result.error = r.error;
  else result.config = c;
  return result;
}
