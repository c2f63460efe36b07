// A stub gateway on 127.0.0.1:0 and a runner that drives the real program against it, capturing stdout/stderr/exit.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { run, type CliIo } from '../src';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface StubAnswer {
  status?: number;
  body?: unknown;
  /** Sent as is instead of JSON-encoding `body`. */
  raw?: string;
}

export type StubHandler = (req: RecordedRequest) => StubAnswer;

export class StubGateway {
  readonly requests: RecordedRequest[] = [];
  private readonly handlers = new Map<string, StubHandler>();
  private server: Server | undefined;
  url = '';

  /** Answers `METHOD /path` (exact path, query ignored) with the handler's status and JSON body. */
  on(method: string, path: string, handler: StubHandler | StubAnswer): this {
    this.handlers.set(`${method} ${path}`, typeof handler === 'function' ? handler : () => handler);
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.handlers.clear();
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://stub');
        const text = Buffer.concat(chunks).toString('utf8');
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: text === '' ? undefined : JSON.parse(text),
        };
        this.requests.push(recorded);
        const handler = this.handlers.get(`${recorded.method} ${recorded.path}`);
        const answer: StubAnswer = handler
          ? handler(recorded)
          : {
              status: 404,
              body: {
                error: {
                  code: 'ROUTE_NOT_FOUND',
                  message: `stub has no ${recorded.method} ${recorded.path}`,
                },
              },
            };
        const status = answer.status ?? 200;
        if (answer.raw !== undefined) {
          res.writeHead(status, { 'content-type': 'text/plain' }).end(answer.raw);
        } else if (answer.body === undefined) {
          res.writeHead(status).end();
        } else {
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
        }
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.server ? this.server.close((err) => (err ? reject(err) : resolve())) : resolve(),
    );
  }
}

export interface CliResult {
  code: number;
  exitCalls: number[];
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], overrides: Partial<CliIo> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const exitCalls: number[] = [];
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    exit: (code) => {
      exitCalls.push(code);
    },
    env: {},
    request,
    stderrIsTTY: false,
    readFile: () => undefined,
    cwd: () => '/nonexistent',
    ...overrides,
  };
  const code = await run(args, io);
  return { code, exitCalls, stdout, stderr };
}

export const TOKEN = 'mcph_test_token';
export const ID = '0b6c7d0e-3f1a-4c55-9d3e-2a7b9c1d4e5f';
export const ID2 = '1c7d8e1f-4a2b-4d66-8e4f-3b8c0d2e5f60';
export const AT = '2026-11-23T08:00:00.000Z';
