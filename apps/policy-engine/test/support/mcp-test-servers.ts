// In-process MCP servers over Streamable HTTP for the tool discovery and conformance tests: a stateful SDK server
// whose tools can be changed while clients are connected (each session is told with notifications/tools/list_changed),
// a low-level one that lists whatever tools it is given (e.g. an invalid inputSchema), and one that never answers.
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer, type RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export interface TestMcpServer {
  url: string;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  return raw ? JSON.parse(raw) : undefined;
}

async function listen(http: HttpServer): Promise<string> {
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
}

function closeHttp(http: HttpServer): Promise<void> {
  http.closeAllConnections();
  return new Promise((done) => http.close(() => done()));
}

export interface ToolSpec {
  name: string;
  description: string;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean };
}

/**
 * A stateful SDK server (one McpServer per session) with string-argument tools. `setDescription`, `add` and `remove`
 * change the tools in every open session, which sends notifications/tools/list_changed on its GET stream.
 */
export async function startMutableServer(initial: ToolSpec[]): Promise<
  TestMcpServer & {
    setDescription(name: string, description: string): void;
    add(spec: ToolSpec): void;
    remove(name: string): void;
    calls: string[];
  }
> {
  let specs = initial.map((s) => ({ ...s }));
  const calls: string[] = [];
  const sessions = new Map<
    string,
    { server: McpServer; transport: StreamableHTTPServerTransport; tools: Map<string, RegisteredTool> }
  >();
  const register = (server: McpServer, tools: Map<string, RegisteredTool>, s: ToolSpec) => {
    tools.set(
      s.name,
      server.registerTool(
        s.name,
        { description: s.description, inputSchema: { city: z.string().min(1) }, annotations: s.annotations },
        ({ city }) => {
          calls.push(`${s.name}:${city}`);
          return { content: [{ type: 'text', text: `${s.name} ${city}` }] };
        },
      ),
    );
  };

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const id = req.headers['mcp-session-id'] as string | undefined;
      const body = req.method === 'POST' ? await readBody(req) : undefined;
      let session = id ? sessions.get(id) : undefined;
      if (!session) {
        if (id || req.method !== 'POST') {
          res.writeHead(404).end();
          return;
        }
        const server = new McpServer({ name: 'mutable-test-server', version: '1.0.0' });
        const tools = new Map<string, RegisteredTool>();
        for (const s of specs) register(server, tools, s);
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (sid) => {
            sessions.set(sid, { server, transport, tools });
          },
        });
        await server.connect(transport);
        session = { server, transport, tools };
      }
      await session.transport.handleRequest(req, res, body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  const url = await listen(http);
  return {
    url,
    calls,
    setDescription(name, description) {
      specs = specs.map((s) => (s.name === name ? { ...s, description } : s));
      for (const s of sessions.values()) s.tools.get(name)?.update({ description });
    },
    add(spec) {
      specs.push({ ...spec });
      for (const s of sessions.values()) register(s.server, s.tools, spec);
    },
    remove(name) {
      specs = specs.filter((s) => s.name !== name);
      for (const s of sessions.values()) {
        s.tools.get(name)?.remove();
        s.tools.delete(name);
      }
    },
    async close() {
      for (const s of sessions.values()) await s.server.close().catch(() => undefined);
      await closeHttp(http);
    },
  };
}

/** A stateless low-level server listing exactly `tools` (raw JSON, so an invalid inputSchema goes out as is). */
export async function startRawToolsServer(tools: Tool[]): Promise<TestMcpServer & { calls: string[] }> {
  const calls: string[] = [];
  const http = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const server = new Server(
        { name: 'raw-test-server', version: '1.0.0' },
        { capabilities: { tools: {} } },
      );
      server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
      server.setRequestHandler(CallToolRequestSchema, (r) => {
        calls.push(`${r.params.name}:${JSON.stringify(r.params.arguments ?? {})}`);
        return { content: [{ type: 'text', text: 'ok' }] };
      });
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      res.on('close', () => void server.close());
      await server.connect(transport);
      await transport.handleRequest(req, res, await readBody(req));
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  return { url: await listen(http), calls, close: () => closeHttp(http) };
}

/** Accepts connections and requests and never answers them: a server that does not answer `initialize`. */
export async function startSilentServer(): Promise<TestMcpServer & { requests: number }> {
  const state = { requests: 0 };
  const http = createServer(() => {
    state.requests++;
  });
  const url = await listen(http);
  return {
    url,
    get requests() {
      return state.requests;
    },
    close: () => closeHttp(http),
  };
}
