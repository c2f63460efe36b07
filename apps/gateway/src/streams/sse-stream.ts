// One client's SSE response: filters records, writes frames, and cuts the client off with an `overflow` event when
// more than SSE_MAX_BUFFER_BYTES wait unsent, instead of buffering without bound.
import type { ServerResponse } from 'node:http';
import { encodeCursor } from './stream-cursor';
import { sseFrame, type FeedEntry, type FeedSubscriber, type Positions, type TopicFeed } from './topic-feed';

export const HEARTBEAT_FRAME = Buffer.from(': heartbeat\n\n', 'utf8');

export type StreamEndReason = 'client_closed' | 'overflow' | 'shutdown' | 'feed_ended' | 'unauthorized';

export interface SseStreamOptions {
  res: ServerResponse;
  /** True when the payload passes the route's filters. */
  matches: (payload: Record<string, unknown>) => boolean;
  maxBufferBytes: number;
  /** How long an overflowed client may take to read its last frames before the socket is destroyed. */
  closeGraceMs: number;
  onEnd: (stream: SseStream, reason: StreamEndReason) => void;
  /** The feed evicted records this stream had not read yet; the owner places it on another feed. */
  onLost: (stream: SseStream, feed: TopicFeed) => void;
}

export class SseStream implements FeedSubscriber {
  feed?: TopicFeed;
  /** The next offset per partition: everything before it was delivered or filtered out. */
  private pos: Positions = new Map();
  private synced = false;
  /** The cursor after the last record this stream has accounted for, while synced. */
  private lastCursor = '';
  private ended = false;
  private waitingDrain = false;
  /** While catching up: the next buffered entry to read. */
  nextSeq = 0;
  framesWritten = 0;

  constructor(private readonly o: SseStreamOptions) {
    o.res.on('close', () => this.finish('client_closed'));
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Attaches at `pos` (which the feed covers): reads the buffered part at the pace the client drains it, then
   * follows the feed live. Joining live happens in the same tick as reading the last buffered entry, so nothing
   * slips in between.
   */
  attachTo(feed: TopicFeed, pos: Positions): void {
    this.feed = feed;
    this.pos = new Map(pos);
    this.synced = false;
    this.nextSeq = feed.firstSeq;
    this.syncCheck(feed);
    if (this.synced) this.lastCursor = feed.cursor;
    feed.catchingUp.add(this);
    this.pump();
  }

  cork(): void {
    if (!this.ended) this.o.res.socket?.cork();
  }

  uncork(): void {
    this.o.res.socket?.uncork();
  }

  wake(): void {
    if (!this.waitingDrain) this.pump();
  }

  private pump(): void {
    const feed = this.feed;
    if (this.ended || !feed || !feed.catchingUp.has(this)) return;
    this.pumpFrom(feed);
    // What this stream has read may now be evicted (and a paused replay reader resumed).
    if (feed.kind === 'replay') feed.release();
  }

  private pumpFrom(feed: TopicFeed): void {
    for (;;) {
      if (this.ended || this.feed !== feed || !feed.catchingUp.has(this)) return;
      if (this.nextSeq >= feed.endSeq) {
        // A replay feed is read at the client's pace to its end; only the tail pushes records live.
        if (feed.kind === 'tail') {
          feed.catchingUp.delete(this);
          feed.subscribers.add(this);
        }
        return;
      }
      const entry = feed.entryAt(this.nextSeq);
      if (!entry) {
        feed.detach(this);
        this.feed = undefined;
        this.o.onLost(this, feed);
        return;
      }
      this.nextSeq += 1;
      this.receive(entry, feed);
      // The socket took more than its high-water mark: read on once the client has drained it.
      if (this.o.res.writableNeedDrain) {
        if (!this.waitingDrain) {
          this.waitingDrain = true;
          this.o.res.once('drain', () => {
            this.waitingDrain = false;
            this.pump();
          });
        }
        return;
      }
    }
  }

  /** The position reached on the current feed, for attaching to another. */
  position(): Positions {
    return new Map(this.pos);
  }

  /** The cursor a client resumes from: everything before it was delivered or filtered out. */
  currentCursor(): string {
    if (this.synced) return this.lastCursor || (this.feed?.cursor ?? encodeCursor(this.pos));
    return encodeCursor(this.pos);
  }

  receive(entry: FeedEntry, feed: TopicFeed): void {
    if (this.ended) return;
    if (!this.synced) {
      const at = this.pos.get(entry.partition);
      // Already seen (the stream attached ahead of the feed on this partition).
      if (at !== undefined && entry.offset < at) return;
    }
    if (entry.frame !== undefined && entry.payload !== undefined && this.o.matches(entry.payload)) {
      let frame = entry.frame;
      if (!this.synced) {
        const after = new Map(this.pos).set(entry.partition, entry.next);
        frame = sseFrame(encodeCursor(after), entry.type ?? '', entry.data);
      }
      if (!this.write(frame)) return;
    }
    this.pos.set(entry.partition, entry.next);
    if (this.synced) {
      this.lastCursor = entry.cursor;
    } else {
      this.syncCheck(feed);
      if (this.synced) this.lastCursor = entry.cursor;
    }
  }

  private syncCheck(feed: TopicFeed): void {
    if (feed.isAt(this.pos)) {
      // Partitions the stream knows and the feed does not would be lost; only sync on an exact match.
      for (const p of this.pos.keys()) if (!feed.position.has(p)) return;
      this.synced = true;
      // Everything buffered is behind the stream now; reading on from the end keeps the shared frames exact.
      this.nextSeq = feed.endSeq;
    }
  }

  heartbeat(): void {
    if (!this.ended) this.write(HEARTBEAT_FRAME);
  }

  feedEnded(): void {
    this.feed = undefined;
    this.end('feed_ended');
  }

  /**
   * Ends the stream because its credential is no longer valid: a last `unauthorized` event (its id is the resume
   * position, for a client that comes back with a valid token), then the end.
   */
  endUnauthorized(message: string): void {
    if (this.ended) return;
    const cursor = this.currentCursor();
    const data = JSON.stringify({ code: 'UNAUTHENTICATED', message, cursor });
    this.o.res.end(Buffer.from(`id: ${cursor}\nevent: unauthorized\ndata: ${data}\n\n`, 'utf8'));
    this.finish('unauthorized');
  }

  /** Ends the stream cleanly (the client reconnects with its Last-Event-ID). */
  end(reason: StreamEndReason): void {
    if (this.ended) return;
    this.o.res.end();
    this.finish(reason);
  }

  /** Writes unless that would leave more than the allowed bytes unsent; then cuts the client off. */
  private write(frame: Buffer): boolean {
    const res = this.o.res;
    if (res.writableLength + frame.length > this.o.maxBufferBytes) {
      this.overflow();
      return false;
    }
    res.write(frame);
    this.framesWritten += 1;
    return true;
  }

  private overflow(): void {
    const cursor = this.currentCursor();
    const data = JSON.stringify({
      reason: 'slow_consumer',
      message: `More than ${this.o.maxBufferBytes} bytes were waiting for this client; reconnect with Last-Event-ID to resume.`,
      cursor,
    });
    const res = this.o.res;
    res.end(Buffer.from(`id: ${cursor}\nevent: overflow\ndata: ${data}\n\n`, 'utf8'));
    // A client that never reads again would hold its socket forever; give it a moment, then let go.
    const timer = setTimeout(() => res.destroy(), this.o.closeGraceMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    this.finish('overflow');
  }

  private finish(reason: StreamEndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.feed?.detach(this);
    this.feed = undefined;
    this.o.onEnd(this, reason);
  }
}
