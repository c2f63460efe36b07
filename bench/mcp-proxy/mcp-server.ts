// The MCP server behind the proxy benchmark: a stateless Streamable HTTP server built with the official SDK (a fresh
// server and transport per request, as stateless mode requires) with one trivial `echo` tool. It runs in its own
// process so that it shares no event loop with the gateway or the load generator. MCP_SSE=1 answers with an event
// stream instead of one JSON body.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const JSON_ANSWERS = process.env.MCP_SSE !== '1';

function buildServer(): Server {
  const server = new Server({ name: 'bench-echo', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      {
        name: 'echo',
        description: 'Echoes its text.',
        inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, (req) => {
    if (req.params.name !== 'echo') {
      return { isError: true, content: [{ type: 'text', text: `unknown tool ${req.params.name}` }] };
    }
    const text = (req.params.arguments as { text?: unknown } | undefined)?.text;
    return { content: [{ type: 'text', text: typeof text === 'string' ? text : '' }] };
  });
  return server;
}

/**
 * MCP_UPSTREAM=minimal: the same `echo` tool answered by a few lines of JSON-RPC over one JSON body (what a
 * stateless server answers to POST), with no SDK. It costs the upstream a small fraction of the SDK's CPU per call,
 * so the gateway, not the server, is what saturates: the gateway's own ceiling on these cores.
 */
function minimalAnswer(message: {
  id?: unknown;
  method?: string;
  params?: { arguments?: { text?: unknown } };
}) {
  switch (message.method ?? '') {
    case 'initialize':
      return {
        protocolVersion: '2025-06-18',
        capabilities: { tools: {} },
        serverInfo: { name: 'bench-echo-minimal', version: '1.0.0' },
      };
    case 'ping':
      return {};
    case 'tools/list':
      return { tools: [{ name: 'echo', description: 'Echoes its text.', inputSchema: { type: 'object' } }] };
    case 'tools/call': {
      const text = message.params?.arguments?.text;
      return { content: [{ type: 'text', text: typeof text === 'string' ? text : '' }] };
    }
    default:
      return undefined;
  }
}

const minimal = (req: http.IncomingMessage, res: http.ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    let message: { id?: unknown; method?: string };
    try {
      message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof message;
    } catch {
      const error = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } };
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(error));
      return;
    }
    if (message.id === undefined) {
      res.writeHead(202).end();
      return;
    }
    const result = minimalAnswer(message);
    const body = JSON.stringify(
      result === undefined
        ? { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } }
        : { jsonrpc: '2.0', id: message.id, result },
    );
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
};

const httpServer = http.createServer((req, res) => {
  if (process.env.MCP_UPSTREAM === 'minimal') return minimal(req, res);
  void (async () => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: JSON_ANSWERS,
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
httpServer.keepAliveTimeout = 60_000;
httpServer.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (httpServer.address() as AddressInfo).port });
});
process.on('message', (msg: { ask?: string }) => {
  if (msg.ask === 'stop') {
    httpServer.closeAllConnections();
    httpServer.close(() => process.exit(0));
  }
});
