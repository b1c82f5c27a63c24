// Where a producer's WebSocket messages begin and end in the bytes it sends, read from the frame
// headers (RFC 6455, section 5.2) as the bytes come off the socket, before the ws library
// buffers them. So the bytes of a message still arriving are known exactly, whatever its
// fragments and the control frames between them: they are reserved and timed as an upload.

export interface MessageBytes {
  /** n bytes of a data message (its frames' headers included) arrived. */
  data(n: number): void;
  /** The data message they belong to is whole. */
  end(): void;
}

export class MessageMeter {
  private readonly header = Buffer.alloc(14);
  private have = 0;
  /** Payload bytes of the current frame still to come; -1 while a header is being read. */
  private left = -1;
  private isData = false;
  private fin = false;

  feed(chunk: Buffer, to: MessageBytes): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.left < 0) {
        const size = this.have < 2 ? 2 : headerSize(this.header);
        const n = Math.min(size - this.have, chunk.length - i);
        chunk.copy(this.header, this.have, i, i + n);
        this.have += n;
        i += n;
        if (this.have < 2 || this.have < headerSize(this.header)) continue;
        this.fin = (this.header[0]! & 0x80) !== 0;
        this.isData = (this.header[0]! & 0x0f) < 8;
        this.left = payloadLength(this.header);
        if (this.isData) to.data(this.have);
        this.have = 0;
      } else {
        const n = Math.min(this.left, chunk.length - i);
        i += n;
        this.left -= n;
        if (this.isData && n > 0) to.data(n);
      }
      if (this.left === 0) {
        this.left = -1;
        if (this.isData && this.fin) to.end();
      }
    }
  }
}

/** A frame header's size, from its first two bytes: length bytes and mask as they say. */
function headerSize(h: Buffer): number {
  const len = h[1]! & 0x7f;
  return 2 + (len === 126 ? 2 : len === 127 ? 8 : 0) + (h[1]! & 0x80 ? 4 : 0);
}

function payloadLength(h: Buffer): number {
  const len = h[1]! & 0x7f;
  if (len === 126) return h.readUInt16BE(2);
  if (len === 127) return Number(h.readBigUInt64BE(2));
  return len;
}
