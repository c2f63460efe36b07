// The service side of the REST benchmark: a plain node:http server answering a small GET, so the figures show the
// gateway's cost and not a service's.
import http from 'node:http';

const body = JSON.stringify({
  id: '6f1c2e0a-8d4b-4c1e-9a57-3b2f1d0c9e88',
  name: 'bench-server',
  server_type: 'node',
  status: 'running',
  version: 3,
  created_at: '2026-01-01T00:00:00.000Z',
});

const server = http.createServer((req, res) => {
  if (req.url === '/readyz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ready","checks":{}}');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.send?.({ port: typeof addr === 'object' && addr ? addr.port : 0 });
});
