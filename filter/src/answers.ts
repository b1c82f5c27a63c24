// What the log says when the collector did not take a batch. The filter sees only what the proxy
// hands it: a status and a body, or no answer at all. When the collector was never reached,
// Envoy answers in its place, and its words say so (host/src/call-failure.ts cites them): a
// refused connection and a collector's own 503 read alike by status alone.
import { BufferType, Status } from "../../proxy-wasm-as/enums";
import { getBuffer, Ret } from "../../proxy-wasm-as/hostcalls";

const CONNECT_ERROR = "upstream connect error or disconnect/reset before headers.";
const RESET_REASON = "reset reason: ";
/** Envoy's replies are one line; more of a body than this is not one of them. */
const READ_BYTES: u32 = 512;

/** Whether the collector will never store a batch it answered with `status` (a record over its limits, say): dropped, not retried. */
export function refused(status: u32): bool {
  return status == 400 || status == 413 || status == 422;
}

/** The log line for a batch answered `status` (0: no answer) with a body of `bodySize` bytes; only inside the answer's callback. */
export function answerText(status: u32, bodySize: u32, cluster: string, timeoutMs: u32): string {
  const where = " (cluster " + cluster + ")";
  const then = refused(status) ? "; the batch is dropped, and the next one's gap notice counts its records" : "; the batch is kept and retried";
  if (status == 0) return "the connection to the collector" + where + " broke while it answered" + then;
  const body = status >= 500 && bodySize > 0 ? bodyStart(bodySize) : "";
  if (body.startsWith(CONNECT_ERROR)) {
    const at = body.indexOf(RESET_REASON);
    const reason = at >= 0 ? body.slice(at + RESET_REASON.length) : body;
    if (reason.includes("connection failure") || reason.includes("connection timeout")) return "could not connect to the collector" + where + ": " + reason + then;
    return "the connection to the collector" + where + " closed before it answered: " + reason + then;
  }
  if (body == "no healthy upstream") return "could not connect to the collector" + where + ": no healthy upstream" + then;
  if (status == 504 && body == "upstream request timeout") {
    return "the collector" + where + " did not answer within collector.timeout_ms (" + timeoutMs.toString() + " ms)" + then;
  }
  return "the collector answered " + status.toString() + then;
}

/** The log line for a call the proxy would not start (proxy_http_call's status). */
export function refusalText(status: u32, cluster: string): string {
  if (status == Status.BadArgument) return "the proxy has no cluster " + cluster + " to send batches to (collector.cluster); they are kept and retried";
  if (status == Status.InternalFailure) return "could not connect to the collector (cluster " + cluster + "): the proxy failed the call at once (no healthy upstream); the batch is kept and retried";
  return "the proxy refused the call to cluster " + cluster + " (status " + status.toString() + "); the batch is kept and retried";
}

/** The body's start, as printable ASCII: whoever answers writes it, and it goes into the proxy's log, one line. */
function bodyStart(size: u32): string {
  if (!getBuffer(BufferType.HttpCallResponseBody, 0, size < READ_BYTES ? size : READ_BYTES)) return "";
  let text = "";
  for (let i: u32 = 0; i < Ret.len; i++) {
    const c = load<u8>(Ret.ptr + i);
    text += String.fromCharCode(c >= 0x20 && c < 0x7f ? c : 0x3f);
  }
  Ret.free();
  return text;
}
