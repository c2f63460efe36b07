// A tiny MCP server image for end-to-end launches on a standalone host's own engine: one dependency-free JS file
// (JSON-RPC over Streamable HTTP, JSON answers) on the offline base image the host imported, built with podman on the
// host's storage and pushed to the host's registry, so the runtime pulls it by digest as it would any artifact.
// The tool list is baked in; POST /control/tools (a JSON array) replaces it, so a test can change what a running
// container lists without relaunching it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ListedTool } from '@mcp-host/contracts';
import type { HostEngine } from './standalone-host';

/** The image the standalone host imports into its engine at first start (packages/standalone/src/local-engine.ts). */
const BASE_IMAGE = 'localhost/mcp-host/node-base:latest';

function serverJs(info: { name: string; version: string }, tools: ListedTool[]): string {
  return `'use strict';
const http = require('node:http');
const PORT = Number(process.env.MCP_PORT || process.env.PORT || 8080);
const PATH = process.env.MCP_PATH || '/mcp';
const INFO = ${JSON.stringify(info)};
let tools = ${JSON.stringify(tools)};

function answer(msg) {
  const ok = (result) => ({ jsonrpc: '2.0', id: msg.id, result });
  switch (msg.method) {
    case 'initialize':
      return ok({ protocolVersion: msg.params.protocolVersion, capabilities: { tools: {} }, serverInfo: INFO });
    case 'ping':
      return ok({});
    case 'tools/list':
      return ok({ tools });
    default:
      return { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'method not found: ' + msg.method } };
  }
}

http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body;
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        return res.writeHead(400).end();
      }
      if (req.url === '/control/tools' && req.method === 'POST') {
        tools = body;
        return res.writeHead(204).end();
      }
      if (req.url !== PATH) return res.writeHead(404).end();
      if (req.method !== 'POST') return res.writeHead(405, { allow: 'POST' }).end();
      const batch = Array.isArray(body);
      const out = (batch ? body : [body]).filter((m) => m && m.id !== undefined && m.method).map(answer);
      if (out.length === 0) return res.writeHead(202).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(batch ? out : out[0]));
    });
  })
  .listen(PORT, '0.0.0.0', () => console.log(INFO.name + ' listening on :' + PORT + PATH));
process.on('SIGTERM', () => process.exit(0));
`;
}

export interface PushedImage {
  /** `<registry>/mcp/<name>`. */
  repository: string;
  /** The manifest digest the push reported. */
  digest: string;
  /** `<repository>:v1`, the tag pushed. */
  registryImage: string;
}

/** Builds the server on the base image, pushes it to the host's registry and keeps only the registry copy. */
export function buildMcpServerImage(
  engine: HostEngine,
  name: string,
  server: { info: { name: string; version: string }; tools: ListedTool[] },
): PushedImage {
  const dir = mkdtempSync(join(tmpdir(), `mcpctl-image-${name}-`));
  try {
    writeFileSync(join(dir, 'server.js'), serverJs(server.info, server.tools));
    writeFileSync(
      join(dir, 'Dockerfile'),
      `FROM ${BASE_IMAGE}\nCOPY server.js /app/server.js\nEXPOSE 8080\nUSER 10001:10001\nCMD ["/app/server.js"]\n`,
    );
    const local = `localhost/mcp-host/${name}:test`;
    engine.podman(['build', '--quiet', '-t', local, dir]);
    const repository = `${engine.registry}/mcp/${name}`;
    const registryImage = `${repository}:v1`;
    const digestFile = join(dir, 'digest');
    engine.podman([
      'push',
      '--quiet',
      '--tls-verify=false',
      '--digestfile',
      digestFile,
      local,
      registryImage,
    ]);
    const digest = readFileSync(digestFile, 'utf8').trim();
    // Without the local tag, a launch has to pull the pushed image by digest, as it would any artifact's.
    engine.podman(['rmi', '--force', local]);
    return { repository, digest, registryImage };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
