#!/usr/bin/env node
// npm start: builds what is missing (npm's "start" script runs the build first), then starts what
// exists of redtail: today the collector on ./data. The dev proxy in front of a demo upstream
// comes with its issue; until then this says so rather than pretending.
const { serve } = await import('../dist/cli/serve.js');

const port = process.env.REDTAIL_PORT ?? '9900';
const url = `http://127.0.0.1:${port}`;
console.log(`redtail
  collector   ${url}        (data in ./data; Ctrl-C stops it)
  proxy       not built yet: the filter runs in the host library (see the README), not yet behind a port

try it:
  curl -s ${url}/v1/ingest -H 'x-redtail-batch: demo/1' \\
    --data-binary '{"start_time":"${new Date().toISOString()}","method":"GET","path":"/hello","response_code":200,"service":"demo"}'
  curl -s '${url}/v1/logs?service=demo&since=1h'
`);
process.exitCode = await serve(['--data', 'data']);
