// One client connection: splits the byte stream into size-prefixed frames and writes responses in request order.
import type { Socket } from 'node:net';
import type { BrokerContext } from '../broker/broker-context';
import { ApiKey, findApi } from '../protocol/api-keys';
import { MalformedFrameError, Reader } from '../protocol/reader';
import { dispatch } from '../handlers/dispatch';
import { encodeUnsupportedApiVersions } from '../handlers/api-versions.handler';
import type { ResponseBody } from './request';

interface Slot {
  done: boolean;
  header: Buffer | null;
  body: Buffer[] | null;
}

export class Connection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly queue: Slot[] = [];
  private closed = false;
  readonly remote: string;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: BrokerContext,
  ) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => ctx.opts.logger.debug(`connection ${this.remote} error: ${err.message}`));
    socket.on('close', () => {
      this.closed = true;
      ctx.opts.logger.debug(`connection ${this.remote} closed`);
    });
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.closed && this.buffered >= 4) {
      const head = this.chunks[0].length >= 4 ? this.chunks[0] : this.merge();
      const size = head.readInt32BE(0);
      if (size < 8 || size > this.ctx.opts.maxRequestBytes) {
        this.fail(`bad frame size ${size}`);
        return;
      }
      if (this.buffered < size + 4) return;
      const all = this.chunks[0].length >= size + 4 ? this.chunks[0] : this.merge();
      const frame = all.subarray(4, size + 4);
      const rest = all.subarray(size + 4);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      this.handleFrame(frame);
    }
  }

  private merge(): Buffer {
    const b = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [b];
    return b;
  }

  private handleFrame(frame: Buffer): void {
    let correlationId = 0;
    try {
      const r = new Reader(frame);
      const apiKey = r.int16();
      const apiVersion = r.int16();
      correlationId = r.int32();
      const clientId = r.nullableString() ?? '';
      const api = findApi(apiKey);
      if (apiKey === ApiKey.ApiVersions && api && apiVersion > api.max) {
        // Kafka answers a too-new ApiVersions in v0 format so the client can retry with a version it shares.
        this.respond({ done: true, header: null, body: null }, correlationId, encodeUnsupportedApiVersions());
        return;
      }
      if (!api || apiVersion < api.min || apiVersion > api.max) {
        this.fail(`unsupported api ${apiKey} v${apiVersion}`);
        return;
      }
      if (apiVersion >= api.flexibleFrom) r.skipTaggedFields();
      const slot: Slot = { done: false, header: null, body: null };
      this.queue.push(slot);
      const result = dispatch(
        {
          apiKey,
          apiVersion,
          correlationId,
          clientId,
          clientHost: this.socket.remoteAddress ?? '',
          localAddress: this.socket.localAddress ?? this.ctx.advertisedHost,
          body: r,
        },
        this.ctx,
      );
      if (result instanceof Promise) {
        // The catch also covers respond itself: an unhandled rejection would end the whole process.
        result
          .then((body) => this.respond(slot, correlationId, body))
          .catch((err: unknown) => this.fail(`api ${apiKey} failed: ${String(err)}`));
      } else {
        this.respond(slot, correlationId, result);
      }
    } catch (err) {
      const what = err instanceof MalformedFrameError ? 'malformed frame' : 'request failed';
      this.fail(
        `${what} (correlation ${correlationId}): ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  private respond(slot: Slot, correlationId: number, result: ResponseBody): void {
    if (!this.queue.includes(slot)) this.queue.push(slot);
    slot.done = true;
    if (result) {
      // Header and body pieces go out as separate writes under cork, so the body is never copied into a frame.
      const body = Array.isArray(result) ? result : [result];
      const length = body.reduce((n, b) => n + b.length, 0);
      const header = Buffer.allocUnsafe(8);
      header.writeInt32BE(4 + length, 0);
      header.writeInt32BE(correlationId, 4);
      slot.header = header;
      slot.body = body;
    }
    this.flush();
  }

  private flush(): void {
    if (this.closed) return;
    let corked = false;
    while (this.queue.length > 0 && this.queue[0].done) {
      const slot = this.queue.shift() as Slot;
      if (!slot.header || !slot.body) continue;
      if (!corked) {
        this.socket.cork();
        corked = true;
      }
      this.socket.write(slot.header);
      for (const piece of slot.body) if (piece.length > 0) this.socket.write(piece);
    }
    if (corked) this.socket.uncork();
  }

  private fail(reason: string): void {
    this.ctx.opts.logger.debug(`connection ${this.remote}: closing, ${reason}`);
    this.closed = true;
    this.socket.destroy();
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}
