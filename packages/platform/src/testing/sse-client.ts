// A minimal SSE client over node:http for tests: parses frames as they arrive, can stop reading (a slow consumer)
// and resume, and sends Last-Event-ID like an EventSource would.
import http from 'node:http';

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  comments = 0;
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  ended = false;
  body = '';
  private buffer = '';
  private res?: http.IncomingMessage;
  private req?: http.ClientRequest;
  private readonly waiters: (() => void)[] = [];

  static open(base: string, path: string, headers: Record<string, string>): Promise<SseClient> {
    const client = new SseClient();
    const u = new URL(base);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path, headers, agent: false });
      client.req = req;
      req.on('error', (err) => {
        client.ended = true;
        client.notify();
        if (client.status === 0) reject(err);
      });
      req.on('response', (res) => {
        client.res = res;
        client.status = res.statusCode ?? 0;
        client.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => client.feed(chunk));
        res.on('end', () => {
          client.ended = true;
          client.notify();
        });
        res.on('error', () => undefined);
        resolve(client);
      });
      req.end();
    });
  }

  get lastId(): string | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) if (this.events[i].id) return this.events[i].id;
    return undefined;
  }

  pause(): void {
    this.res?.pause();
  }

  resume(): void {
    this.res?.resume();
  }

  close(): void {
    this.req?.destroy();
    this.res?.destroy();
  }

  async waitFor(
    predicate: (c: SseClient) => boolean,
    timeoutMs = 15_000,
    what = 'SSE condition',
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting for ${what}: ${this.events.length} events, ended=${this.ended}`);
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private feed(chunk: string): void {
    if (this.status !== 200) {
      this.body += chunk;
      return;
    }
    this.buffer += chunk;
    let at: number;
    while ((at = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 2);
      const ev: SseEvent = { data: '' };
      let hasData = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments += 1;
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') ev.id = value;
        else if (field === 'event') ev.event = value;
        else if (field === 'data') {
          ev.data = hasData ? `${ev.data}\n${value}` : value;
          hasData = true;
        }
      }
      if (hasData) this.events.push(ev);
    }
    this.notify();
  }
}
