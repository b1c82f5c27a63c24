// The overhead bench's upstream, a child process of its own: one keep-alive port per body size,
// each answering every request with a JSON body of that many bytes. Prints {"<bytes>": url, …}.
// node dist/benches/overhead/upstream.js 0 1024 16384
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonBody } from '../filter.bench.js';

const urls: Record<string, string> = {};
for (const size of process.argv.slice(2).map(Number)) {
  const body = Buffer.from(jsonBody(size).padEnd(size, ' '));
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  urls[size] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
process.stdout.write(JSON.stringify(urls) + '\n');
process.on('SIGTERM', () => process.exit(0));
