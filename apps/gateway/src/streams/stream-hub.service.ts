// Serves every SSE route of the route table from Kafka: one shared live tail per topic, short-lived replay feeds for
// clients resuming from an older Last-Event-ID, a heartbeat for all streams, and a clean stop.
import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { topicByName, type RouteDefinition } from '@mcp-host/contracts';
import {
  ApiException,
  Counter,
  Gauge,
  Histogram,
  InjectConfig,
  InjectLogger,
  KafkaConnection,
  PlatformMetrics,
} from '@mcp-host/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../gateway.config';
import { SseStream, type StreamEndReason } from './sse-stream';
import { decodeCursor } from './stream-cursor';
import { TopicFeed, type Positions } from './topic-feed';

const REPLAY_IDLE_CLOSE_MS = 5_000;

@Injectable()
export class StreamHub implements OnModuleDestroy {
  private readonly tails = new Map<string, Promise<TopicFeed>>();
  private readonly started = new Map<string, TopicFeed>();
  private readonly replays = new Set<TopicFeed>();
  private readonly streams = new Set<SseStream>();
  private readonly instance = randomUUID().slice(0, 8);
  private readonly heartbeatTimer: NodeJS.Timeout;
  private stopping = false;
  /** Streams ended per reason since start, for tests and logs. */
  readonly ended: Record<StreamEndReason, number> = {
    client_closed: 0,
    overflow: 0,
    shutdown: 0,
    feed_ended: 0,
  };

  constructor(
    private readonly kafka: KafkaConnection,
    @InjectConfig() private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
    metrics: PlatformMetrics,
  ) {
    this.heartbeatTimer = setInterval(() => this.tick(), config.SSE_HEARTBEAT_MS);
    this.heartbeatTimer.unref();
    const registers = [metrics.registry];
    const feeds = () => [...this.started.values(), ...this.replays];
    new Gauge({
      name: 'mcp_host_sse_streams',
      help: 'Open SSE streams by topic and state (live on the tail, or catching up from a buffer or a replay)',
      labelNames: ['topic', 'state'],
      registers,
      collect() {
        this.reset();
        for (const f of feeds()) {
          this.inc({ topic: f.topic, state: 'live' }, f.subscribers.size);
          this.inc({ topic: f.topic, state: 'catching_up' }, f.catchingUp.size);
        }
      },
    });
    this.opened = new Counter({
      name: 'mcp_host_sse_streams_opened_total',
      help: 'SSE streams opened, by topic',
      labelNames: ['topic'],
      registers,
    });
    this.endedTotal = new Counter({
      name: 'mcp_host_sse_streams_ended_total',
      help: 'SSE streams ended, by topic and reason (client_closed, overflow: cut off as too slow, shutdown, feed_ended)',
      labelNames: ['topic', 'reason'],
      registers,
    });
    this.fanout = new Histogram({
      name: 'mcp_host_sse_fanout_seconds',
      help: 'Time to write one batch of records to every live stream of a topic',
      labelNames: ['topic'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
  }

  private readonly opened: Counter<'topic'>;
  private readonly endedTotal: Counter<'topic' | 'reason'>;
  private readonly fanout: Histogram<'topic'>;

  /** Feeds and their followers, for tests and diagnostics. */
  describe(): {
    topic: string;
    kind: string;
    live: number;
    catchingUp: number;
    bufferedBytes: number;
    lastFanout: { records: number; subscribers: number; ms: number };
  }[] {
    const feeds = [...this.started.values(), ...this.replays];
    return feeds.map((f) => ({
      topic: f.topic,
      kind: f.kind,
      live: f.subscribers.size,
      catchingUp: f.catchingUp.size,
      bufferedBytes: f.bufferedBytes,
      lastFanout: f.lastFanout,
    }));
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Answers a `stream` route: validates the request, positions the stream, then hijacks the reply for SSE. */
  async serve(
    route: RouteDefinition,
    params: Record<string, string>,
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const stream = route.stream;
    const topic = stream ? topicByName(stream.topic) : undefined;
    if (!stream || !topic?.watchable) {
      throw new ApiException(
        500,
        'STREAM_NOT_WATCHABLE',
        `${route.path} names a topic that cannot be streamed.`,
      );
    }
    if (this.stopping) throw new ApiException(503, 'UNAVAILABLE', 'The gateway is stopping.');
    const query = (req.query ?? {}) as Record<string, unknown>;
    const wanted: [string, string][] = [];
    for (const [param, field] of Object.entries(stream.filters ?? {})) {
      const value = params[param] ?? query[param];
      if (typeof value === 'string' && value !== '') wanted.push([field, value]);
    }
    const from = query.from ?? 'latest';
    if (from !== 'latest' && from !== 'earliest') {
      throw new ApiException(400, 'VALIDATION_FAILED', 'from: must be latest or earliest');
    }
    const header = req.headers['last-event-id'];
    const lastEventId = Array.isArray(header) ? header[0] : header;
    let resumeAt: Positions | undefined;
    if (lastEventId !== undefined && lastEventId.trim() !== '') {
      resumeAt = decodeCursor(lastEventId.trim());
      if (!resumeAt) {
        throw new ApiException(400, 'INVALID_CURSOR', 'Last-Event-ID is not an event id this gateway sent.');
      }
    }

    const res = reply.raw;
    const sse = new SseStream({
      res,
      matches: (payload) => wanted.every(([field, value]) => String(payload[field]) === value),
      maxBufferBytes: this.config.SSE_MAX_BUFFER_BYTES,
      closeGraceMs: 5_000,
      onEnd: (s, reason) => this.onStreamEnd(s, topic.name, reason),
      onLost: (s, feed) => this.attach(s, feed, s.position()),
    });
    // Position first: a Kafka failure is still an ordinary error answer, not a broken stream.
    const place = await this.position(topic.name, resumeAt, from);
    reply.hijack();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'x-request-id': req.id,
    });
    res.flushHeaders();
    if (res.destroyed || sse.isEnded) return;
    this.streams.add(sse);
    this.opened.inc({ topic: topic.name });
    this.attach(sse, place.feed, place.pos);
  }

  /** Finds (or opens) the feed a stream starts on, and the position it starts at. */
  private async position(
    topic: string,
    resumeAt: Positions | undefined,
    from: 'latest' | 'earliest',
  ): Promise<{ feed: TopicFeed; pos: Positions }> {
    const tail = await this.tail(topic);
    if (!resumeAt) {
      if (from === 'latest') return { feed: tail, pos: new Map(tail.position) };
      const replay = await this.openReplay(topic, 'earliest');
      return { feed: replay, pos: new Map(replay.position) };
    }
    if (tail.covers(resumeAt)) return { feed: tail, pos: resumeAt };
    for (const feed of this.replays) {
      if (feed.topic === topic && !feed.isEnded && feed.covers(resumeAt)) return { feed, pos: resumeAt };
    }
    const replay = await this.openReplay(
      topic,
      Object.fromEntries([...resumeAt].map(([p, o]) => [p, o.toString()])),
    );
    // Clamped into what Kafka still holds: a position below the earliest offset starts there.
    const pos = new Map(resumeAt);
    for (const [p, o] of replay.position) if ((pos.get(p) ?? 0n) < o) pos.set(p, o);
    return { feed: replay, pos };
  }

  private attach(sse: SseStream, feed: TopicFeed, pos: Positions): void {
    if (sse.isEnded) return;
    if (feed.isEnded || !feed.covers(pos)) {
      // The feed moved on (or stopped) while the stream was being set up; place it again.
      void this.position(feed.topic, pos, 'latest').then(
        (p) => this.attach(sse, p.feed, p.pos),
        (err: unknown) => {
          this.logger.warn(
            { err: (err as Error).message, topic: feed.topic },
            'could not place an SSE stream',
          );
          sse.end('feed_ended');
        },
      );
      return;
    }
    if (feed.kind === 'replay') {
      const tail = this.tailNow(feed.topic);
      if (tail?.covers(pos)) feed = tail;
    }
    sse.attachTo(feed, pos);
  }

  private tail(topic: string): Promise<TopicFeed> {
    let tail = this.tails.get(topic);
    if (!tail) {
      tail = (async () => {
        await this.kafka.ensureTopics([topic]);
        const feed = await TopicFeed.open(this.kafka, {
          kind: 'tail',
          topic,
          from: 'latest',
          bufferBytes: this.config.SSE_REPLAY_BUFFER_BYTES,
          groupIdPrefix: `mcp-host.gateway.sse.${this.instance}`,
          onAdvance: () => this.migrateAll(topic),
          onFatal: (f, err) => this.feedFailed(f, err),
          onFanout: (f, fan) => {
            if (fan.subscribers > 0) this.fanout.observe({ topic: f.topic }, fan.ms / 1000);
          },
        });
        this.started.set(topic, feed);
        return feed;
      })();
      this.tails.set(topic, tail);
      // A failed start is not cached: the next client tries again.
      tail.catch(() => this.tails.delete(topic));
    }
    return tail;
  }

  private async openReplay(topic: string, from: 'earliest' | Record<number, string>): Promise<TopicFeed> {
    const feed = await TopicFeed.open(this.kafka, {
      kind: 'replay',
      topic,
      from,
      bufferBytes: this.config.SSE_REPLAY_BUFFER_BYTES,
      groupIdPrefix: `mcp-host.gateway.sse-replay.${this.instance}`,
      onAdvance: (f) => this.migrate(f),
      onFatal: (f, err) => this.feedFailed(f, err),
    });
    if (this.stopping) {
      await feed.close();
      throw new ApiException(503, 'UNAVAILABLE', 'The gateway is stopping.');
    }
    this.replays.add(feed);
    return feed;
  }

  /** The started tail of a topic, if it is running. */
  private tailNow(topic: string): TopicFeed | undefined {
    return this.started.get(topic);
  }

  /** Moves the streams of a replay feed onto the live tail once the tail's buffer covers their position. */
  private migrate(replay: TopicFeed): void {
    const tail = this.tailNow(replay.topic);
    if (!tail || tail.isEnded) return;
    for (const sub of [...replay.subscribers, ...replay.catchingUp]) {
      if (!(sub instanceof SseStream) || sub.isEnded) continue;
      const pos = sub.position();
      if (!tail.covers(pos)) continue;
      replay.detach(sub);
      sub.attachTo(tail, pos);
    }
  }

  private migrateAll(topic: string): void {
    for (const feed of this.replays) if (feed.topic === topic && feed.followers > 0) this.migrate(feed);
  }

  private feedFailed(feed: TopicFeed, err: Error): void {
    this.logger.error({ err: err.message, topic: feed.topic, kind: feed.kind }, 'SSE feed reader failed');
    if (feed.kind === 'tail') {
      this.tails.delete(feed.topic);
      this.started.delete(feed.topic);
    } else this.replays.delete(feed);
    void feed.close();
  }

  private onStreamEnd(sse: SseStream, topic: string, reason: StreamEndReason): void {
    if (!this.streams.delete(sse)) return;
    this.ended[reason] += 1;
    this.endedTotal.inc({ topic, reason });
    if (reason === 'overflow') this.logger.info({ topic }, 'SSE client cut off: too slow');
  }

  /** Heartbeats, and replay feeds that nobody follows any more are closed. */
  private tick(): void {
    for (const s of this.streams) s.heartbeat();
    const now = Date.now();
    for (const feed of this.replays) {
      if (feed.followers > 0) {
        this.migrate(feed);
      } else if (now - feed.idleSince > REPLAY_IDLE_CLOSE_MS) {
        this.replays.delete(feed);
        void feed.close();
      }
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeatTimer);
    for (const s of [...this.streams]) s.end('shutdown');
    const tails = await Promise.allSettled([...this.tails.values()]);
    this.tails.clear();
    this.started.clear();
    const feeds = [...this.replays];
    this.replays.clear();
    for (const t of tails) if (t.status === 'fulfilled') feeds.push(t.value);
    await Promise.all(feeds.map((f) => f.close()));
  }
}
