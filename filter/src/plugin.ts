// The plugin (the root context): what a configuration sets up (the capture with its redactor,
// body capture, the shipper) and the work that belongs to no single stream's callbacks: the
// record at log time, the tick, the collector's answers, and shutdown.
import { BufferType, LogLevel, MapType } from "../../proxy-wasm-as/enums";
import { done, envVar, getBuffer, getHeaderValue, log, Ret, setTickPeriod } from "../../proxy-wasm-as/hostcalls";
import { BodyCapture } from "./capture/body";
import { bytesOf, statusCode } from "./bytes";
import { Capture } from "./capture/capture";
import { Config, parseConfig, tokenFromEnv } from "./config";
import { Exchange } from "./exchanges";
import { Identity, identityJson, identityOf, namespaceOf } from "./capture/identity";
import { answerText } from "./answers";
import { Metrics } from "./metrics";
import { hintGroups } from "./redact/candidates";
import { KeyList, SecretNames } from "./redact/names";
import { Redactor } from "./redact/redactor";
import { keep } from "./sample";
import { Shipper, sourceName } from "./ship";

const STATUS = bytesOf(":status");

/**
 * The plugin's configuration, read and checked; null, with the reason logged, when it is not
 * valid. A proxy of a namespace in skip.namespaces gets one that records nothing.
 */
export function readConfig(size: u32): Config | null {
  let text = "";
  if (size > 0 && getBuffer(BufferType.PluginConfiguration, 0, size)) {
    text = String.UTF8.decodeUnsafe(Ret.ptr, Ret.len);
    Ret.free();
  }
  const result = parseConfig(text);
  if (result.config === null) {
    log(LogLevel.Error, "redtail: filter config: " + result.error);
    return null;
  }
  const config = result.config!;
  // Before the token: a skipped proxy needs none.
  const namespace = config.skipNamespaces.length > 0 ? namespaceOf(config) : "";
  if (namespace.length > 0 && config.skipNamespaces.includes(namespace)) {
    config.records = false;
    log(LogLevel.Info, "redtail: configured; not recording: this proxy's namespace " + namespace + " is in skip.namespaces");
    return config;
  }
  if (config.tokenEnv.length > 0) {
    const error = tokenFromEnv(config, envVar(config.tokenEnv));
    if (error.length > 0) {
      log(LogLevel.Error, "redtail: filter config: " + error);
      return null;
    }
  }
  return config;
}

export class Plugin {
  bodies: BodyCapture;
  private config: Config;
  private capture: Capture;
  private shipper: Shipper;

  constructor(config: Config) {
    const id = identityOf(config);
    Metrics.define();
    this.capture = captureOf(config, id);
    this.shipper = new Shipper(config, sourceName(id.workload.length ? id.workload : id.node));
    this.config = config;
    this.bodies = new BodyCapture(config);
    started(config);
  }

  /** A new configuration: capture starts afresh; the shipper keeps what is buffered. */
  reconfigure(config: Config): void {
    const id = identityOf(config);
    const old = this.capture;
    this.capture = captureOf(config, id);
    old.free();
    this.shipper.reconfigure(config);
    this.config = config;
    this.bodies = new BodyCapture(config);
    started(config);
  }

  /** At log time: the stream's record, written into the open batch unless sampling leaves it out. */
  log(ex: Exchange): void {
    const cap = this.capture;
    cap.readHeaders();
    const code = cap.responseCode();
    const id = cap.requestIdAt();
    const req = cap.request.pairs;
    if (keep(code, this.config.successRate, id >= 0 ? req.valPtr(id) : 0, id >= 0 ? req.valLen(id) : 0)) {
      const shipper = this.shipper;
      cap.write(shipper.next(), ex, code);
      Metrics.countCaptured(cap.redactor.counts, cap.redactor.fired);
      shipper.commit();
    } else {
      Metrics.countSampledOut();
    }
    cap.release();
  }

  tick(): void {
    this.shipper.tick();
    Metrics.flush();
  }

  /** Shutting down: send what is buffered. True when the VM must wait for the collector's answer. */
  shutdown(): bool {
    Metrics.flush();
    const shipper = this.shipper;
    if (shipper.flushNow()) {
      shipper.draining = true;
      return true;
    }
    return false;
  }

  /** The collector answered a batch (or the call failed: no headers); a deferred shutdown may finish. */
  answered(token: u32, headers: u32, bodySize: u32): void {
    let status: u32 = 0;
    if (headers > 0 && getHeaderValue(MapType.HttpCallResponseHeaders, STATUS)) {
      status = statusCode(Ret.ptr, Ret.len);
      Ret.free();
    }
    if (status < 200 || status >= 300) {
      log(LogLevel.Warn, "redtail: " + answerText(status, bodySize, this.config.cluster, this.config.timeoutMs));
    }
    const shipper = this.shipper;
    const wasDraining = shipper.draining;
    shipper.onResponse(token, status);
    if (wasDraining && !shipper.inFlightNow) {
      shipper.draining = false;
      done();
    }
  }
}

/** The capture a configuration asks for: its redactor, and the identity written into every record. */
function captureOf(c: Config, id: Identity): Capture {
  const names = new SecretNames(c.secretNames);
  hintGroups(names.groups());
  const redactor = new Redactor(c.modes, c.hmacKey, c.hmacKeyId, names, new KeyList(c.cookiesKept.map<ArrayBuffer>((k) => String.UTF8.encode(k))));
  return new Capture(c, redactor, identityJson(id));
}

function started(c: Config): void {
  setTickPeriod(c.flushIntervalMs);
  log(LogLevel.Info, "redtail: configured; shipping to cluster " + c.cluster + " every " + c.flushIntervalMs.toString() + " ms");
}
