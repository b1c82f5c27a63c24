// What Envoy hands a module when its http call gets no response from the cluster, so a filter
// sees here what it would see in Envoy. From Envoy's source:
// - The async client runs the router, whose failures before any response header are local
//   replies: AsyncStreamImpl::sendLocalReply (source/common/http/async_client_impl.cc) turns
//   them into an ordinary response, and the module gets proxy_on_http_call_response with its
//   headers and body (Context::onHttpCallSuccess, source/extensions/common/wasm/context.cc).
// - Those replies (source/common/router/router.cc): a reset or a failed connection is a 503
//   "upstream connect error or disconnect/reset before headers. reset reason: R[, transport
//   failure reason: T]" (Filter::onUpstreamReset), R from Http::Utility::resetReasonToString;
//   a connection the peer refused is R "remote connection failure", T "delayed connect error:
//   <strerror>" (Network::ConnectionImpl::onWriteReady); the call's timeout is a 504 "upstream
//   request timeout" (Filter::onUpstreamTimeoutAbort); a cluster with no host to pick is a 503
//   "no healthy upstream".
// - Once the response headers were given, a reset or the timeout resets the stream instead
//   (sendLocalReply with headers already encoded), and the module gets onHttpCallFailure:
//   proxy_on_http_call_response(token, 0, 0, 0) with proxy_get_status BrokenConnection "reset".
// Where Node cannot tell what Envoy would: a name that does not resolve is a 503 "no healthy
// upstream" here, later, where Envoy (its DNS cluster empty) refuses the call at once; and a TLS
// failure names Node's error where Envoy names BoringSSL's.
import { getSystemErrorMap } from 'node:util';
import type { HttpCallResponse } from './http-call.js';

/** Why a call got no response: the phase it failed in, and Node's error. */
export class HttpCallError extends Error {
  readonly code: string | undefined;
  readonly syscall: string | undefined;
  constructor(cause: NodeJS.ErrnoException, readonly beforeHeaders: boolean, readonly timedOut = false) {
    super(cause.message);
    this.code = cause.code;
    this.syscall = cause.syscall;
  }
}

/** glibc's strerror for the errors a connect meets, as Envoy prints them; others from libuv's text. */
const STRERROR: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ECONNRESET: 'Connection reset by peer',
};

function strerror(code: string): string {
  if (STRERROR[code]) return STRERROR[code];
  for (const [name, text] of getSystemErrorMap().values()) if (name === code) return text.charAt(0).toUpperCase() + text.slice(1);
  return code;
}

const local = (status: number, body: string): HttpCallResponse => ({
  headers: [[':status', String(status)], ['content-length', String(Buffer.byteLength(body))], ['content-type', 'text/plain']],
  body: Buffer.from(body),
  trailers: [],
});

/** The reset reason and transport failure reason of Envoy's 503 for a failure before the response headers. */
function resetReason(err: HttpCallError): string {
  const tls = err.code !== undefined && (/^ERR_(TLS|SSL)_/.test(err.code) || /CERT|SIGNATURE|VERIFY/.test(err.code));
  if (tls) return `remote connection failure, transport failure reason: TLS_error:|${err.code}:TLS_error_end`;
  if (err.syscall === 'connect' && err.code === 'ETIMEDOUT') return 'connection timeout';
  if (err.syscall === 'connect') return `remote connection failure, transport failure reason: delayed connect error: ${strerror(err.code ?? '')}`;
  return 'connection termination'; // connected, then closed or reset by the peer before it answered
}

/** The answer Envoy gives a module for a call that failed as `err` did: a local reply, or the failure callback. */
export function envoyAnswerFor(err: HttpCallError): HttpCallResponse | 'reset' {
  if (!err.beforeHeaders) return 'reset';
  if (err.timedOut) return local(504, 'upstream request timeout');
  if (err.syscall === 'getaddrinfo') return local(503, 'no healthy upstream');
  return local(503, `upstream connect error or disconnect/reset before headers. reset reason: ${resetReason(err)}`);
}
