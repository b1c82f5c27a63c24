// A /v1/stream connection's messages as uploads (upload.ts): each message's bytes counted off the
// socket as they arrive (message-meter.ts), reserved from the pending budget HTTP ingest shares,
// and timed; a message that finds no room, stalls or takes too long closes the connection with
// the reason. Between messages a producer holds nothing.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { MessageMeter } from './message-meter.js';
import { CLOSE_CUT, type Cut, cutMessage, type PendingBytes, Upload, type UploadLimits } from './upload.js';

/** How long a cut producer has to read the close frame before its socket is cut too. */
const CLOSE_GRACE_MS = 1000;

/**
 * Start counting a socket's bytes (before the WebSocket library is given it); the function
 * returned hands over the WebSocket made of it, to be closed when an upload is cut.
 */
export function limitStream(socket: Duplex, pending: PendingBytes, limits: UploadLimits, onCut: (why: Cut) => void): (ws: WebSocket) => WebSocket {
  let ws: WebSocket | undefined;
  const meter = new MessageMeter();
  const upload = new Upload(pending, limits, (why) => {
    onCut(why);
    if (ws === undefined) return socket.destroy();
    // Nothing more is read: the library would buffer it, and resumes a socket it has paused.
    socket.pause();
    socket.on('resume', () => socket.pause());
    const closing = ws;
    closing.close(why === 'busy' ? 1013 : CLOSE_CUT, cutMessage(why, limits));
    setTimeout(() => closing.terminate(), CLOSE_GRACE_MS).unref();
  });
  const bytes = { data: (n: number) => void upload.add(n), end: () => upload.end() };
  socket.on('data', (chunk: Buffer) => meter.feed(chunk, bytes));
  socket.once('close', () => upload.end());
  return (w) => (ws = w);
}
