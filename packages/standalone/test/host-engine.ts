// The standalone host's own engine, seen from a test: the podman CLI on the storage its API socket serves, and a
// tiny MCP server image built on the offline base image the host imported and pushed to the host's registry, so the
// runtime pulls and runs it by digest as it would any artifact.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_IMAGE, podmanEnv } from '../src/local-engine';

/** Runs the podman CLI on the host's engine storage under `dataDir`. */
export function podmanOn(
  dataDir: string,
  args: string[],
): { status: number | null; stdout: string; stderr: string } {
  const p = podmanEnv(join(dataDir, 'engine'));
  const r = spawnSync('podman', [...p.args, ...args], { env: p.env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// One dependency-free file: JSON-RPC over Streamable HTTP with JSON answers, enough for the runtime's MCP health
// check (initialize, ping) and its tools discovery (tools/list).
const SERVER_JS = `'use strict';
const http = require('node:http');
const PORT = Number(process.env.MCP_PORT || process.env.PORT || 8080);
const PATH = process.env.MCP_PATH || '/mcp';
const answer = (m) => {
  if (m.method === 'initialize')
    return { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'tiny', version: '1.0.0' } };
  if (m.method === 'ping') return {};
  if (m.method === 'tools/list')
    return { tools: [{ name: 'echo', description: 'Echoes its text.', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }] };
  return undefined;
};
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.url !== PATH || req.method !== 'POST') return res.writeHead(req.url === PATH ? 405 : 404).end();
    let m;
    try { m = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { return res.writeHead(400).end(); }
    if (m.id === undefined) return res.writeHead(202).end();
    const result = answer(m);
    const body = result === undefined
      ? { jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'method not found' } }
      : { jsonrpc: '2.0', id: m.id, result };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
}).listen(PORT, '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
`;

/** Builds the tiny server on the base image, pushes it as `<registry>/mcp/<name>:v1` and returns the digest. */
export function pushTinyMcpImage(
  dataDir: string,
  registry: string,
  name: string,
): { image: string; digest: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-host-tiny-image-'));
  const image = `${registry}/mcp/${name}:v1`;
  try {
    writeFileSync(join(dir, 'server.js'), SERVER_JS);
    // As the sample server's: the base image's entrypoint is node, and the server runs as a non-root user.
    writeFileSync(
      join(dir, 'Dockerfile'),
      `FROM ${BASE_IMAGE}\nCOPY server.js /app/server.js\nEXPOSE 8080\nUSER 10001:10001\nCMD ["/app/server.js"]\n`,
    );
    const built = podmanOn(dataDir, ['build', '--quiet', '-t', image, dir]);
    if (built.status !== 0) throw new Error(`podman build failed: ${built.stderr}`);
    const digestFile = join(dir, 'digest');
    const pushed = podmanOn(dataDir, ['push', '--tls-verify=false', '--digestfile', digestFile, image]);
    if (pushed.status !== 0) throw new Error(`podman push failed: ${pushed.stderr}`);
    return { image, digest: readFileSync(digestFile, 'utf8').trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
