// Answers: every one JSON with its length, so that a client (the filter, the relay, curl) reads
// what went wrong and what to do, whether the request was plain HTTP or a WebSocket upgrade.
import http from 'node:http';
import type { Duplex } from 'node:stream';

/** A JSON answer, with its length. */
export function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** An upgrade refused: a JSON answer written on the raw socket, which is then closed. */
export function refuseUpgrade(socket: Duplex, status: number, message: string, code?: string): void {
  const body = JSON.stringify({ error: message, code });
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
