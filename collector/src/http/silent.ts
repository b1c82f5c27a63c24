// Connections that open and say nothing: each holds a file descriptor, and neither Node's HTTP
// server nor its TLS handshake closes a silent one soon (an idle socket never, a handshake after
// minutes), so enough of them, opened by anyone who reaches the port, take every descriptor the
// collector has. A connection must send a whole request head, its TLS handshake included, within
// limits.first_request_ms; after that keep-alive, upload and WebSocket limits take over.
import type http from 'node:http';
import type net from 'node:net';

/** Close connections of `server` that have sent no whole request head `ms` after they opened (after the handshake, for TLS: `handshakeTimeout` bounds that). */
export function closeSilent(server: http.Server, ms: number, { tls }: { tls: boolean }): void {
  const arm = (socket: net.Socket) => socket.setTimeout(ms, () => socket.destroy());
  server.on(tls ? 'secureConnection' : 'connection', arm);
  const disarm = (req: http.IncomingMessage) => req.socket.setTimeout(0);
  server.on('request', disarm);
  server.on('upgrade', disarm);
}
