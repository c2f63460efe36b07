// Test support for the audit and drift suites: a stateless MCP server (the official SDK over Streamable HTTP) that
// answers with SSE on /sse and with one JSON body on /json, and small helpers to call the gateway's MCP door.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export const PROBE_TOOLS = ['echo', 'fail', 'wipe'];

function buildServer(): McpServer {
  const server = new McpServer({ name: 'audit-probe', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes its text.', inputSchema: { text: z.string() } },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerTool('fail', { description: 'Always fails.', inputSchema: {} }, () => ({
    isError: true,
    content: [{ type: 'text', text: 'it failed' }],
  }));
  server.registerTool('wipe', { description: 'Destroys everything.', inputSchema: {} }, () => ({
    content: [{ type: 'text', text: 'wiped' }],
  }));
  return server;
}

/** Starts the probe server; `sseUrl` answers calls with an event stream, `jsonUrl` with one JSON body. */
export async function startProbeServer(): Promise<{
  sseUrl: string;
  jsonUrl: string;
  close: () => Promise<void>;
}> {
  const http = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: (req.url ?? '').startsWith('/json'),
      });
      const server = buildServer();
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, raw ? (JSON.parse(raw) as unknown) : undefined);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    sseUrl: `http://127.0.0.1:${port}/sse`,
    jsonUrl: `http://127.0.0.1:${port}/json`,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** POSTs one JSON-RPC message to /mcp/:server through the gateway. */
export function mcpPost(base: string, serverId: string, body: unknown, token: string): Promise<Response> {
  return fetch(`${base}/mcp/${serverId}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify(body),
  });
}

/** The JSON-RPC message of an MCP answer, whether the server sent JSON or an SSE stream. */
export async function rpcOf(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
    return JSON.parse(text) as Record<string, unknown>;
  }
  const data = text
    .split(/\r?\n/)
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
    .filter(Boolean);
  return JSON.parse(data[data.length - 1]) as Record<string, unknown>;
}

let nextId = 100;

/** A tools/call request with a fresh id. */
export function toolCall(name: string, args: Record<string, unknown> = {}) {
  nextId += 1;
  return { jsonrpc: '2.0', id: nextId, method: 'tools/call', params: { name, arguments: args } };
}

export const toolsList = () => {
  nextId += 1;
  return { jsonrpc: '2.0', id: nextId, method: 'tools/list', params: {} };
};
