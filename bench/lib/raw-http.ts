// An HTTP/1.1 GET client for load generators that allocates nothing per read: every connection reads into one shared
// buffer (net's `onread`), and a response is framed by its Content-Length and counted, not kept. Node's http client
// hands each read to JavaScript as a new Buffer; at 500 answers of 100 KiB a second that set off a full collection in
// the measuring process every 100-300 ms, whose pauses landed in every measured path. Keep-alive connections, opened
// as needed up to `maxConnections`, one request at a time each.
import net from 'node:net';

const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);
const HEADER_END = Buffer.from('\r\n\r\n');

interface Pending {
  path: string;
  resolve: (ok: boolean) => void;
}

class Connection {
  private readonly socket: net.Socket;
  private head = Buffer.allocUnsafe(16 * 1024);
  private headLength = 0;
  /** Body bytes still to come; -1 while the head is being read. */
  private remaining = -1;
  private status = 0;
  private current: Pending | undefined;
  busy = false;
  closed = false;

  constructor(
    url: URL,
    private readonly onIdle: (c: Connection) => void,
  ) {
    this.socket = net.connect({
      host: url.hostname,
      port: Number(url.port),
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n, buf) => this.onRead(n, buf) },
    });
    this.socket.on('error', () => this.fail());
    this.socket.on('close', () => this.fail());
  }

  send(p: Pending, host: string): void {
    this.busy = true;
    this.current = p;
    this.headLength = 0;
    this.remaining = -1;
    this.socket.write(`GET ${p.path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onRead(n: number, buf: Uint8Array): boolean {
    let offset = 0;
    while (offset < n && this.current) {
      if (this.remaining < 0) {
        const take = Math.min(n - offset, this.head.length - this.headLength);
        if (take === 0) return (this.finish(false), true);
        this.head.set(buf.subarray(offset, offset + take), this.headLength);
        const before = this.headLength;
        this.headLength += take;
        const end = this.head.subarray(0, this.headLength).indexOf(HEADER_END);
        if (end < 0) {
          offset += take;
          continue;
        }
        const text = this.head.toString('latin1', 0, end);
        this.status = Number(text.slice(9, 12));
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
        if (!length) return (this.finish(false), true);
        const bodyStart = end + 4;
        offset += bodyStart - before;
        this.remaining = Number(length[1]);
      }
      const body = Math.min(n - offset, this.remaining);
      this.remaining -= body;
      offset += body;
      if (this.remaining === 0) this.finish(this.status === 200);
    }
    return true;
  }

  private finish(ok: boolean): void {
    const p = this.current;
    this.current = undefined;
    this.busy = false;
    p?.resolve(ok);
    if (!this.closed) this.onIdle(this);
  }

  private fail(): void {
    if (this.closed) return;
    this.closed = true;
    const p = this.current;
    this.current = undefined;
    p?.resolve(false);
  }
}

export class RawHttpClient {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly queue: Pending[] = [];
  private readonly host: string;

  constructor(
    private readonly base: URL,
    private readonly maxConnections = 256,
  ) {
    this.host = base.host;
  }

  /** Resolves true when the answer is a 200 read to its last byte, false on any other status or a broken connection. */
  get(path: string): Promise<boolean> {
    return new Promise((resolve) => {
      const p = { path, resolve };
      const c = this.take();
      if (c) c.send(p, this.host);
      else this.queue.push(p);
    });
  }

  close(): void {
    for (const c of this.all) c.close();
    this.all.clear();
    this.idle.length = 0;
  }

  private take(): Connection | undefined {
    while (this.idle.length) {
      const c = this.idle.pop()!;
      if (!c.closed) return c;
      this.all.delete(c);
    }
    for (const c of this.all) if (c.closed) this.all.delete(c);
    if (this.all.size >= this.maxConnections) return undefined;
    const c = new Connection(this.base, (conn) => this.release(conn));
    this.all.add(c);
    return c;
  }

  private release(c: Connection): void {
    const next = this.queue.shift();
    if (next) c.send(next, this.host);
    else this.idle.push(c);
  }
}
