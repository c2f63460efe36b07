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

/** Smallest valid request: api key, api version, correlation id and a (null) client id. */
const MIN_FRAME = 10;

/**
 * Flow control: the socket is paused while the connection has `maxInFlightRequests` unanswered requests or more
 * than `maxUnsentBytes` of responses queued in the socket, and resumed once both drain. A connection whose queued
 * responses stay above the bound for `drainTimeoutMs` without shrinking is closed.
 */
export class Connection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly queue: Slot[] = [];
  private closed = false;
  private paused = false;
  private pumping = false;
  private drainTimer: NodeJS.Timeout | undefined;
  readonly remote: string;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: BrokerContext,
  ) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.pump();
    });
    socket.on('drain', () => this.pump());
    socket.on('error', (err) => ctx.opts.logger.debug(`connection ${this.remote} error: ${err.message}`));
    socket.on('close', () => {
      this.closed = true;
      this.clearDrainTimer();
      ctx.opts.logger.debug(`connection ${this.remote} closed`);
    });
  }

  private overUnsent(): boolean {
    return this.socket.writableLength > this.ctx.opts.maxUnsentBytes;
  }

  private blocked(): boolean {
    return this.queue.length >= this.ctx.opts.maxInFlightRequests || this.overUnsent();
  }

  /** Handles every complete frame buffered while the connection is not blocked, then adjusts the flow. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && !this.blocked() && this.buffered >= 4) {
        const head = this.chunks[0].length >= 4 ? this.chunks[0] : this.merge();
        // Checked before a single byte of the frame is buffered beyond what already arrived.
        const size = head.readInt32BE(0);
        if (size < MIN_FRAME || size > this.ctx.opts.maxRequestBytes) {
          this.fail(`bad frame size ${size}`);
          return;
        }
        if (this.buffered < size + 4) break;
        const all = this.chunks[0].length >= size + 4 ? this.chunks[0] : this.merge();
        const frame = all.subarray(4, size + 4);
        const rest = all.subarray(size + 4);
        this.chunks = rest.length > 0 ? [rest] : [];
        this.buffered = rest.length;
        this.handleFrame(frame);
      }
    } finally {
      this.pumping = false;
    }
    this.updateFlow();
  }

  private updateFlow(): void {
    if (this.closed) return;
    const blocked = this.blocked();
    if (blocked && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!blocked && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    if (this.overUnsent()) this.armDrainTimer(this.socket.writableLength);
    else this.clearDrainTimer();
  }

  private armDrainTimer(unsent: number): void {
    if (this.drainTimer) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined;
      if (this.closed || !this.overUnsent()) return;
      if (this.socket.writableLength < unsent) this.armDrainTimer(this.socket.writableLength);
      else
        this.fail(
          `${this.socket.writableLength} response bytes not read for ${this.ctx.opts.drainTimeoutMs} ms`,
        );
    }, this.ctx.opts.drainTimeoutMs).unref();
  }

  private clearDrainTimer(): void {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
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
    // A slot freed or bytes queued: resume reading if the bounds allow, or pause if the socket backs up.
    if (this.pumping) return;
    if (this.paused) this.pump();
    else this.updateFlow();
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
    this.close();
  }

  close(): void {
    this.closed = true;
    this.clearDrainTimer();
    this.chunks = [];
    this.buffered = 0;
    this.socket.destroy();
  }
}
