// The proxy with no module: each request goes to the upstream and its answer back as they come,
// with what Envoy's connection manager does for every request (hop-by-hop headers are the proxy's
// own, a request without an id gets one, an unreachable upstream is a local 503). It is the
// baseline a module's cost is read against.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { endToEnd } from './proxy.js';

export function passThrough(req: http.IncomingMessage, res: http.ServerResponse, upstream: URL, agent: http.Agent): void {
  const headers = endToEnd(req.rawHeaders);
  if (req.headers['x-request-id'] === undefined) headers.push('x-request-id', randomUUID());
  headers.push('host', req.headers.host ?? upstream.host);
  const up = http.request({
    protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, agent,
    method: req.method, path: req.url, headers, setHost: false,
  });
  up.on('response', (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, endToEnd(upRes.rawHeaders));
    upRes.pipe(res);
  });
  up.on('error', (err) => {
    if (res.headersSent) return void res.destroy();
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end(`upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: ${err.message}`);
  });
  res.on('close', () => { if (!res.writableFinished) up.destroy(); });
  req.pipe(up);
}
