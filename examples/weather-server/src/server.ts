// A sample MCP server over Streamable HTTP: a few weather tools answered from a built-in table (the sandbox it runs
// in has no network), so the quickstart, the runtime tests and the benchmarks have a real server to launch.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const PORT = Number(process.env.MCP_PORT ?? process.env.PORT ?? 8080);
const PATH = process.env.MCP_PATH ?? '/mcp';

/** Climate normals per city: °C by month (Jan…Dec) and the usual sky. */
const CLIMATE: Record<string, { temps: number[]; sky: string; region: string }> = {
  paris: { temps: [5, 6, 9, 12, 16, 19, 21, 21, 17, 13, 8, 5], sky: 'partly cloudy', region: 'europe' },
  london: { temps: [5, 5, 7, 10, 13, 16, 18, 18, 15, 12, 8, 6], sky: 'overcast', region: 'europe' },
  tokyo: { temps: [5, 6, 9, 14, 19, 22, 26, 27, 23, 18, 12, 7], sky: 'clear', region: 'asia' },
  'new york': {
    temps: [0, 2, 6, 12, 17, 22, 25, 24, 20, 14, 9, 3],
    sky: 'sunny intervals',
    region: 'americas',
  },
  sydney: { temps: [23, 23, 22, 19, 16, 14, 13, 14, 16, 18, 20, 22], sky: 'sunny', region: 'oceania' },
};

const ALERTS: Record<string, string[]> = {
  europe: ['Wind advisory along the Atlantic coast'],
  asia: [],
  americas: ['Winter storm watch in the north-east'],
  oceania: ['High UV index'],
};

function text(value: unknown) {
  return { content: [{ type: 'text' as const, text: JSON.stringify(value) }] };
}

function buildServer(): McpServer {
  const server = new McpServer({ name: 'weather-server', version: '0.1.0' });

  server.registerTool(
    'get_forecast',
    {
      description: 'Forecast for a city over the next days, from climate normals.',
      inputSchema: { city: z.string().min(1), days: z.number().int().min(1).max(7).default(3) },
    },
    ({ city, days }) => {
      const c = CLIMATE[city.toLowerCase()];
      if (!c) return { isError: true, content: [{ type: 'text', text: `Unknown city "${city}".` }] };
      const start = new Date();
      const forecast = Array.from({ length: days }, (_, i) => {
        const d = new Date(start.getTime() + i * 86_400_000);
        const base = c.temps[d.getUTCMonth()];
        return {
          date: d.toISOString().slice(0, 10),
          high_c: base + 3 + (i % 2),
          low_c: base - 4,
          sky: c.sky,
        };
      });
      return text({ city, forecast });
    },
  );

  server.registerTool(
    'get_alerts',
    {
      description: 'Active weather alerts for a region (europe, asia, americas, oceania).',
      inputSchema: { region: z.enum(['europe', 'asia', 'americas', 'oceania']) },
    },
    ({ region }) => text({ region, alerts: ALERTS[region] }),
  );

  server.registerTool(
    'convert_temperature',
    {
      description: 'Converts a temperature between Celsius and Fahrenheit.',
      inputSchema: { value: z.number(), to: z.enum(['celsius', 'fahrenheit']) },
    },
    ({ value, to }) =>
      text({
        value: to === 'fahrenheit' ? Math.round((value * 9) / 5 + 32) : Math.round(((value - 32) * 5) / 9),
        unit: to,
      }),
  );

  server.registerTool('list_cities', { description: 'Cities this server knows.', inputSchema: {} }, () =>
    text({ cities: Object.keys(CLIMATE) }),
  );

  return server;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  return raw ? JSON.parse(raw) : undefined;
}

// Stateless: a fresh server and transport per request, so any replica can answer any request.
async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (url.pathname !== PATH) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    return;
  }
  if (req.method !== 'POST') {
    res
      .writeHead(405, { 'content-type': 'application/json', allow: 'POST' })
      .end(
        JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }),
      );
    return;
  }
  const server = buildServer();
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  const body = await readBody(req);
  // One access line per JSON-RPC message: the log an operator follows with `mcpctl servers logs --follow`.
  for (const m of Array.isArray(body) ? body : [body]) {
    const method = (m as { method?: unknown } | undefined)?.method;
    console.log(`mcp ${typeof method === 'string' ? method : 'response'}`);
  }
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

const http = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: String(err) }, id: null }));
  });
});
http.listen(PORT, '0.0.0.0', () => console.log(`weather-server listening on :${PORT}${PATH}`));
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => http.close(() => process.exit(0)));
