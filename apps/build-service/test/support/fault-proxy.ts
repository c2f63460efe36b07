// A fault-injecting HTTP proxy in front of a registry: fail the next N requests with a status, reset connections,
// answer 401 until the credentials change, or add latency. Every request is recorded.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  injected: string | null;
}

export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  private failures: { remaining: number; status: number; match: RegExp }[] = [];
  private resets: { remaining: number; match: RegExp }[] = [];
  private delays1: { remaining: number; ms: number; match: RegExp }[] = [];
  private latencyMs = 0;
  private latencyMatch: RegExp = /./;
  /** While set, requests carrying this Authorization, or none, get 401 with a Basic challenge. */
  private rejectedAuthorization: string | undefined;
  private server!: Server;
  private readonly delays = new Set<NodeJS.Timeout>();
  address = '';

  constructor(private upstream: string) {}

  static async start(upstream: string): Promise<FaultProxy> {
    const p = new FaultProxy(upstream);
    p.server = createServer((req, res) => void p.handle(req, res));
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', r));
    p.address = `127.0.0.1:${(p.server.address() as AddressInfo).port}`;
    return p;
  }

  /** Points the proxy at another registry (`127.0.0.1:<port>`). */
  setUpstream(upstream: string): void {
    this.upstream = upstream;
  }

  /** The next `n` requests matching `match` (default: every registry call but the `/v2/` ping) answer `status`. */
  failNext(n: number, status = 500, match = /^\/v2\/.+/): void {
    this.failures.push({ remaining: n, status, match });
  }

  /** The next `n` matching requests have their connection reset before any answer. */
  resetNext(n: number, match = /^\/v2\/.+/): void {
    this.resets.push({ remaining: n, match });
  }

  /** Holds the next `n` matching requests for `ms` before forwarding them. */
  delayNext(n: number, ms: number, match = /^\/v2\/.+/): void {
    this.delays1.push({ remaining: n, ms, match });
  }

  /** Adds `ms` before forwarding each matching request (0 turns it off). */
  setLatency(ms: number, match: RegExp = /./): void {
    this.latencyMs = ms;
    this.latencyMatch = match;
  }

  /** Answers 401 to anonymous requests and to those carrying the `stale` Authorization, until other credentials come. */
  rejectUntilCredentialsChange(stale: string): void {
    this.rejectedAuthorization = stale;
  }

  clear(): void {
    this.failures = [];
    this.resets = [];
    this.delays1 = [];
    this.latencyMs = 0;
    this.rejectedAuthorization = undefined;
    this.requests.length = 0;
  }

  injectedCount(): number {
    return this.requests.filter((r) => r.injected).length;
  }

  async stop(): Promise<void> {
    for (const t of this.delays) clearTimeout(t);
    this.delays.clear();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private take<T extends { remaining: number; match: RegExp }>(list: T[], path: string): T | undefined {
    const hit = list.find((f) => f.remaining > 0 && f.match.test(path));
    if (hit) hit.remaining -= 1;
    return hit;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const authorization = req.headers.authorization;
    const record: ProxiedRequest = { method: req.method ?? 'GET', path, authorization, injected: null };
    this.requests.push(record);
    const held = this.take(this.delays1, path);
    const wait = held ? held.ms : this.latencyMs > 0 && this.latencyMatch.test(path) ? this.latencyMs : 0;
    if (held) record.injected = `delay ${held.ms}ms`;
    if (wait > 0) {
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          this.delays.delete(t);
          r();
        }, wait);
        this.delays.add(t);
      });
    }
    if (this.take(this.resets, path)) {
      record.injected = 'reset';
      req.socket.resetAndDestroy();
      return;
    }
    const failure = this.take(this.failures, path);
    if (failure) {
      record.injected = String(failure.status);
      req.resume();
      res.writeHead(failure.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `injected ${failure.status}` }] }));
      return;
    }
    const stale = this.rejectedAuthorization;
    if (stale !== undefined && (authorization === undefined || authorization === stale)) {
      record.injected = '401';
      req.resume();
      res.writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': 'Basic realm="mcp-host-test"',
        'docker-distribution-api-version': 'registry/2.0',
      });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    const [host, port] = this.upstream.split(':');
    const up = request(
      { host, port: Number(port), method: req.method, path, headers: { ...req.headers, host: this.address } },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    up.once('error', () => res.destroy());
    req.pipe(up);
  }
}
