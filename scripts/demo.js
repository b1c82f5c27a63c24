// The demo that npm start runs: an upstream that echoes each request back as httpbin's
// /anything does (method, URL, query, headers, body, and the body parsed as JSON or a form), so
// the response bodies carry every secret the request did; the filter's configuration for it;
// and the request the banner suggests. Tests use the same pieces.
import http from 'node:http';

/** The filter's configuration in the demo: body capture on, the Authorization header kept (redacted). */
export const DEMO_FILTER_CONFIG = {
  flush: { interval_ms: 500 },
  capture: { request_headers: ['content-type', 'authorization'], body: { enabled: true } },
  identity: { service: 'demo', namespace: 'local' },
};

/** The banner's request: a token in the query, a bearer JWT, a card number and an email in the body. */
export const DEMO_REQUEST = {
  path: '/checkout?token=abc123',
  headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', 'content-type': 'application/json' },
  body: '{"card":"4111 1111 1111 1111","email":"ann@example.com"}',
};

/** The banner's curl line for the demo request through the proxy at `proxyUrl`, quoted for any shell. */
export function curlLine(proxyUrl) {
  const headers = Object.entries(DEMO_REQUEST.headers).map(([k, v]) => `-H '${k}: ${v}'`).join(' ');
  return `curl -s '${proxyUrl}${DEMO_REQUEST.path}' ${headers} \\\n    -d '${DEMO_REQUEST.body}'`;
}

/**
 * The echo upstream: every request answered 200 with it as JSON (404 under /missing). As
 * httpbin's do, /response-headers?Name=Value sets response headers from its query, and
 * /redirect-to?url=U answers 302 to U.
 */
export function echoServer() {
  return http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const data = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      const type = String(req.headers['content-type'] ?? '');
      let json = null;
      if (type.includes('json')) {
        try {
          json = JSON.parse(data);
        } catch {
          json = null;
        }
      }
      const form = type.includes('x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(data)) : {};
      const headers = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers[req.rawHeaders[i]] = req.rawHeaders[i + 1];
      const body = JSON.stringify({ method: req.method, url: url.href, args: Object.fromEntries(url.searchParams), headers, data, json, form }, null, 2);
      const extra = url.pathname === '/response-headers' ? [...url.searchParams] : url.pathname === '/redirect-to' ? [['location', url.searchParams.get('url') ?? '/']] : [];
      const status = url.pathname.startsWith('/missing') ? 404 : url.pathname === '/redirect-to' ? 302 : 200;
      res.writeHead(status, [['content-type', 'application/json'], ...extra].flat());
      res.end(body);
    });
  });
}
