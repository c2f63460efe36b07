// `mcpctl scaffold fetch-config|gen-ts|gen-python|create`: a server's runtime config (admin), and runnable MCP server
// projects generated from it (the official SDK of the language, Streamable HTTP, a stub tool per known tool name, a
// Dockerfile and a README).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { serverConfigSchema, serverSchema, type ServerConfig } from '@mcp-host/contracts';
import type { Command } from 'commander';
import { decode, type ApiClient } from '../api-client';
import { API } from '../api-routes';
import { CliError } from '../cli-error';
import { contextFor } from '../context';
import type { CliIo } from '../io';

/** The base image generated TypeScript projects build FROM (offline, see scripts/make-base-image.sh). */
export const NODE_BASE_IMAGE = 'localhost/mcp-host/node-base:latest';
export const PYTHON_BASE_IMAGE = 'python:3.12-slim';
const TS_SDK_VERSION = '1.32.2';

/** Tool names to stub: the known ones, else one example tool. */
function toolsOf(c: ServerConfig): string[] {
  return c.tools && c.tools.length ? c.tools : ['echo'];
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'mcp-server'
  );
}

function pyIdent(tool: string): string {
  const id = tool.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(id) ? `tool_${id}` : id;
}

function envSection(c: ServerConfig): string {
  const lines = c.env.map((e) =>
    e.secret_ref
      ? `- \`${e.name}\`: secret, from \`${e.secret_ref}\``
      : `- \`${e.name}\`=\`${e.value ?? ''}\``,
  );
  return lines.length ? lines.join('\n') : '- none';
}

function readme(c: ServerConfig, lang: string, build: string, run: string): string {
  return `# ${c.name}

An MCP server (${lang}, Streamable HTTP on port ${c.port}, path \`${c.path}\`) scaffolded from server \`${c.server_id}\`
(type \`${c.server_type}\`). Each tool is a stub that echoes its arguments: replace the bodies with the real work.

Tools: ${toolsOf(c)
    .map((t) => `\`${t}\``)
    .join(', ')}

## Build and run

\`\`\`sh
${build}
${run}
\`\`\`

## Environment

${envSection(c)}

Limits the runtime applies: ${c.resources.memory_mb} MiB, ${c.resources.cpu_millicores} millicores,
${c.resources.pids_limit} processes, user ${c.resources.user}.
`;
}

/** The files of a TypeScript project on the official SDK; paths are relative to the project root. */
export function generateTypeScript(c: ServerConfig): Record<string, string> {
  const name = slug(c.name);
  const tools = toolsOf(c)
    .map(
      (t) => `  server.registerTool(
    ${JSON.stringify(t)},
    {
      description: ${JSON.stringify(`Stub of ${t}: echoes its arguments.`)},
      inputSchema: { input: z.record(z.string(), z.unknown()).optional() },
    },
    (args) => text({ tool: ${JSON.stringify(t)}, args }),
  );`,
    )
    .join('\n\n');
  return {
    'package.json': `${JSON.stringify(
      {
        name,
        version: '0.1.0',
        private: true,
        description: `MCP server ${c.name} (Streamable HTTP)`,
        scripts: {
          build:
            'esbuild src/server.ts --bundle --platform=node --target=node20 --format=cjs --outfile=dist/server.js --log-level=warning',
          typecheck: 'tsc -p tsconfig.json',
          start: 'node dist/server.js',
        },
        dependencies: { '@modelcontextprotocol/sdk': TS_SDK_VERSION, zod: '^4.1.12' },
        devDependencies: { esbuild: '^0.25.12', typescript: '^5.6.0', '@types/node': '^20.0.0' },
      },
      null,
      2,
    )}\n`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'ES2022',
          moduleResolution: 'bundler',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        include: ['src'],
      },
      null,
      2,
    )}\n`,
    'src/server.ts': `// MCP server ${c.name} over Streamable HTTP (stateless: a fresh server and transport per request).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const PORT = Number(process.env.MCP_PORT ?? process.env.PORT ?? ${c.port});
const PATH = process.env.MCP_PATH ?? ${JSON.stringify(c.path)};

function text(value: unknown) {
  return { content: [{ type: 'text' as const, text: JSON.stringify(value) }] };
}

function buildServer(): McpServer {
  const server = new McpServer({ name: ${JSON.stringify(name)}, version: '0.1.0' });

${tools}

  return server;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  return raw ? JSON.parse(raw) : undefined;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (url.pathname !== PATH || req.method !== 'POST') {
    res.writeHead(url.pathname !== PATH ? 404 : 405, { 'content-type': 'application/json' }).end('{"error":"not here"}');
    return;
  }
  const server = buildServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  const body = await readBody(req);
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

const http = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: String(err) }, id: null }));
  });
});
http.listen(PORT, '0.0.0.0', () => console.log(\`${name} listening on :\${PORT}\${PATH}\`));
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => http.close(() => process.exit(0)));
`,
    Dockerfile: `# ${c.name} on the offline base image; build the bundle first (npm run build).
ARG BASE_IMAGE=${NODE_BASE_IMAGE}
FROM \${BASE_IMAGE}
COPY dist/server.js /app/server.js
ENV MCP_PORT=${c.port} MCP_PATH=${c.path}
EXPOSE ${c.port}
USER ${c.resources.user}
CMD ["/app/server.js"]
`,
    '.dockerignore': 'node_modules\nsrc\n',
    'README.md': readme(
      c,
      'TypeScript, @modelcontextprotocol/sdk',
      'npm install && npm run build',
      `docker build -t ${name} . && docker run -p ${c.port}:${c.port} ${name}`,
    ),
  };
}

/** The files of a Python project on the official SDK (`mcp`, FastMCP). */
export function generatePython(c: ServerConfig): Record<string, string> {
  const name = slug(c.name);
  const tools = toolsOf(c)
    .map(
      (
        t,
      ) => `@mcp.tool(name=${JSON.stringify(t)}, description=${JSON.stringify(`Stub of ${t}: echoes its arguments.`)})
def ${pyIdent(t)}(input: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"tool": ${JSON.stringify(t)}, "args": input or {}}`,
    )
    .join('\n\n\n');
  return {
    'server.py': `"""MCP server ${c.name} over Streamable HTTP, on the official Python SDK."""
import os
from typing import Any

from mcp.server.fastmcp import FastMCP

PORT = int(os.environ.get("MCP_PORT", os.environ.get("PORT", "${c.port}")))
PATH = os.environ.get("MCP_PATH", ${JSON.stringify(c.path)})

mcp = FastMCP(${JSON.stringify(name)}, host="0.0.0.0", port=PORT, streamable_http_path=PATH, stateless_http=True)


${tools}


if __name__ == "__main__":
    mcp.run(transport="streamable-http")
`,
    'requirements.txt': 'mcp>=1.9\n',
    Dockerfile: `# ${c.name} on the Python SDK.
FROM ${PYTHON_BASE_IMAGE}
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY server.py .
ENV MCP_PORT=${c.port} MCP_PATH=${c.path}
EXPOSE ${c.port}
USER ${c.resources.user}
CMD ["python", "server.py"]
`,
    'README.md': readme(c, 'Python, the `mcp` SDK', 'pip install -r requirements.txt', 'python server.py'),
  };
}

function writeProject(io: CliIo, dir: string, files: Record<string, string>): string {
  const root = resolve(io.cwd(), dir);
  if (existsSync(root) && readdirSync(root).length > 0) {
    throw new CliError(`${dir} exists and is not empty; pass another --output.`);
  }
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return root;
}

async function fetchConfig(
  client: ApiClient,
  serverId: string,
): Promise<{ raw: unknown; config: ServerConfig }> {
  const raw = await client.call(API.serversConfig, { params: { id: serverId } });
  return { raw, config: decode(serverConfigSchema, raw, 'GET /api/servers/:id/config') };
}

export function registerScaffoldCommands(program: Command, io: CliIo): void {
  const scaffold = program
    .command('scaffold')
    .description('Server runtime config and MCP server projects generated from it (admin).');

  scaffold
    .command('fetch-config')
    .description(
      "Print a server's runtime config: image, transport, port, env (secret references only), tools.",
    )
    .argument('<server-id>', 'the server id')
    .action(async (serverId: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const { raw, config: c } = await fetchConfig(client, serverId);
      if (out.json) return out.raw(raw);
      out.record([
        ['server', c.server_id],
        ['name', c.name],
        ['type', c.server_type],
        ['image', c.image],
        ['image source', c.image_source],
        ['transport', c.transport],
        ['port', c.port],
        ['path', c.path],
        [
          'env',
          c.env
            .map((e) => (e.secret_ref ? `${e.name} ← ${e.secret_ref}` : `${e.name}=${e.value ?? ''}`))
            .join('\n'),
        ],
        [
          'resources',
          `${c.resources.memory_mb} MiB, ${c.resources.cpu_millicores} mCPU, ${c.resources.pids_limit} pids, user ${c.resources.user}`,
        ],
        ['tools', c.tools ? c.tools.join(', ') : null],
      ]);
    });

  for (const [verb, lang, generate] of [
    ['gen-ts', 'TypeScript', generateTypeScript],
    ['gen-python', 'Python', generatePython],
  ] as const) {
    scaffold
      .command(verb)
      .description(`Generate a runnable ${lang} MCP server project from a server's config.`)
      .argument('<server-id>', 'the server id')
      .option('--output <path>', 'the directory to write (must be absent or empty)')
      .action(async (serverId: string, opts: { output?: string }, cmd: Command) => {
        const { client, out } = contextFor(cmd, io);
        const { config } = await fetchConfig(client, serverId);
        const files = generate(config);
        const root = writeProject(io, opts.output ?? `${slug(config.name)}-mcp-server`, files);
        if (out.json) return out.raw({ output: root, files: Object.keys(files) });
        out.line(`Wrote ${Object.keys(files).length} files to ${root}: ${Object.keys(files).join(', ')}`);
      });
  }

  scaffold
    .command('create')
    .description(
      'Register a new server of the same type as an existing one (scaffold its project with gen-ts).',
    )
    .argument('<name>', 'the new server name')
    .requiredOption('--server-id <id>', 'the server to scaffold from')
    .action(async (name: string, opts: { serverId: string }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const { config } = await fetchConfig(client, opts.serverId);
      const body = await client.call(API.serversRegister, {
        body: { name, server_type: config.server_type },
      });
      if (out.json) return out.raw(body);
      const s = decode(serverSchema, body, 'POST /api/servers');
      out.record([
        ['id', s.id],
        ['name', s.name],
        ['type', s.server_type],
        ['status', s.status],
        ['scaffolded from', config.server_id],
      ]);
    });
}
