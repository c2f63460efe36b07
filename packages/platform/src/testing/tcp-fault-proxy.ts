// A TCP proxy that tests put between a service and a dependency (Postgres, Kafka) to take it away and give it
// back: `cut()` drops every open connection and refuses new ones until `restore()`.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export class TcpFaultProxy {
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private down = false;
  port = 0;

  private constructor(
    private readonly upstreamHost: string,
    private readonly upstreamPort: number,
  ) {}

  static async start(upstreamHost: string, upstreamPort: number): Promise<TcpFaultProxy> {
    const p = new TcpFaultProxy(upstreamHost, upstreamPort);
    p.server = createServer((client) => p.accept(client));
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', r));
    p.port = (p.server.address() as AddressInfo).port;
    return p;
  }

  /** Rewrites a postgres:// URL (or host:port) to go through this proxy. */
  url(original: string): string {
    return original.replace(/@[^/]+\//, `@127.0.0.1:${this.port}/`);
  }

  get isCut(): boolean {
    return this.down;
  }

  /** Drops every open connection and refuses (resets) new ones. */
  cut(): void {
    this.down = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.down = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(client: Socket): void {
    if (this.down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.upstreamPort, this.upstreamHost);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
