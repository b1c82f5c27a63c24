// Serving over TLS: HTTPS and WSS on the same one port, from a certificate and key in PEM files.
// The files are read again on SIGHUP and when they change (cert-manager and similar tools
// rotate them in place), so a rotation needs no restart; a pair that does not load (a key from
// another certificate, half-written files) is logged and the last good pair is kept.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { ConfigError } from '../config-error.js';
import type { Log } from '../events.js';
import { closeSilent } from './silent.js';

/** The PEM files of what a server presents: its certificate (with any intermediates) and its key. */
export interface TlsFiles {
  cert: string;
  key: string;
}

/** What a TLS server is told besides its files: whose config it is, where to log, how often to look at the files. */
export interface TlsServing {
  program: 'collector' | 'relay';
  log: Log;
  /** How often the files' metadata is polled for a change, ms. */
  watchIntervalMs?: number;
  /** How long a connection may take to send its first request head, its TLS handshake included (silent.ts); none: Node's defaults. */
  firstRequestMs?: number;
}

/** The certificate and key, read and checked to belong together; a ConfigError naming the file otherwise. */
export function readTlsFiles(files: TlsFiles, program: 'collector' | 'relay'): SecureContextOptions {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError(`${program} config: cannot read the TLS ${what} ${file}: ${(err as Error).message}`);
    }
  };
  const pair = { cert: read(files.cert, 'certificate'), key: read(files.key, 'key') };
  try {
    createSecureContext(pair);
  } catch (err) {
    throw new ConfigError(`${program} config: the TLS certificate ${files.cert} and key ${files.key} do not make a pair: ${(err as Error).message}`);
  }
  return pair;
}

/** A plain HTTP request on the TLS port: answered in plain HTTP, so the client reads why, then closed. */
function answerPlainHttp(err: NodeJS.ErrnoException, socket: TLSSocket): void {
  // The TLS socket cannot speak plain text; the TCP socket under it (Node's own field) can. Without
  // it, the connection is closed as Node does by default.
  const raw = (socket as TLSSocket & { _parent?: unknown })._parent;
  if (err.code !== 'ERR_SSL_HTTP_REQUEST' || !(raw instanceof net.Socket) || !raw.writable) return;
  const body = JSON.stringify({ error: 'this port speaks HTTPS (TLS): use https:// (wss:// for WebSockets)', code: 'tls_required' });
  raw.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/**
 * An HTTPS server for `handler` (its `upgrade` events are the caller's to add, as for HTTP),
 * re-reading its certificate on SIGHUP and when the files change until `stop()`.
 */
function tlsServer(handler: http.RequestListener, files: TlsFiles, options: TlsServing): { server: https.Server; stop(): void } {
  const server = https.createServer({ ...readTlsFiles(files, options.program), ...(options.firstRequestMs === undefined ? {} : { handshakeTimeout: options.firstRequestMs }) }, handler);
  server.on('tlsClientError', answerPlainHttp);
  const reload = (why: string) => {
    try {
      server.setSecureContext(readTlsFiles(files, options.program));
      options.log({ level: 'info', event: 'tls_reloaded', cert: files.cert, reason: why });
    } catch (err) {
      options.log({ level: 'error', event: 'tls_reload_failed', cert: files.cert, key: files.key, error: (err as Error).message,
        hint: 'still serving the certificate loaded before; fix the files, or send SIGHUP once both are written' });
    }
  };
  const onSignal = () => reload('SIGHUP');
  const onChange = (now: { mtimeMs: number }, before: { mtimeMs: number }) => {
    if (now.mtimeMs !== before.mtimeMs) reload('the files changed');
  };
  process.on('SIGHUP', onSignal);
  // Polled, not fs.watch: a Kubernetes secret is a symbolic link swapped to a new folder, which
  // a watch on the old file never sees.
  for (const file of [files.cert, files.key]) watchFile(file, { interval: options.watchIntervalMs ?? 10_000, persistent: false }, onChange);
  return {
    server,
    stop() {
      process.off('SIGHUP', onSignal);
      for (const file of [files.cert, files.key]) unwatchFile(file, onChange);
    },
  };
}

export interface Served {
  server: http.Server;
  /** Listens; its URL (http:// or https://) once it does. A port taken or a bad address is thrown, and `stop()` called. */
  listen(port: number, host: string): Promise<string>;
  /** Ends what the TLS server watches (SIGHUP, the files). */
  stop(): void;
}

/** An HTTP server, or HTTPS when given TLS files. */
export function createServer(handler: http.RequestListener, files: TlsFiles | undefined, options: TlsServing): Served {
  const { server, stop } = files === undefined ? { server: http.createServer(handler), stop() {} } : tlsServer(handler, files, options);
  const scheme = files === undefined ? 'http' : 'https';
  if (options.firstRequestMs !== undefined) closeSilent(server as http.Server, options.firstRequestMs, { tls: files !== undefined });
  return {
    // An https.Server is an http.Server in all the collector and the relay use: routes, upgrades, close.
    server: server as http.Server,
    async listen(port, host) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, host, resolve);
        });
      } catch (err) {
        stop();
        throw err;
      }
      const address = server.address() as AddressInfo;
      return `${scheme}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    },
    stop,
  };
}
