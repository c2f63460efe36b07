// Serves every SSE route of the route table from Kafka: one shared live tail per topic, short-lived replay feeds for
// clients resuming from an older Last-Event-ID, a heartbeat for all streams, and a clean stop.
import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { INTERNAL_TOKEN_HEADER, topicByName, type RouteDefinition } from '@mcp-host/contracts';
import {
  InjectInternalAuth,
  type InternalAuth,
  Counter,
  Gauge,
  Histogram,
  InjectConfig,
  InjectLogger,
  KafkaConnection,
  PlatformMetrics,
  TopicReader,
} from '@mcp-host/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../gateway.config';
import type { Caller } from '../tokens/token.entity';
import { TokenService } from '../tokens/token.service';
import { SseStream, type StreamEndReason } from './sse-stream';
import { ReplayReader } from './replay-reader';
import { decodeCursor, encodeCursor } from './stream-cursor';
import { readSnapshot } from './stream-snapshot';
import { UpstreamPools } from '../proxy/upstream-pools';
import { TopicFeed, sseFrame, type Positions } from './topic-feed';
import { GatewayErrorCode, GatewayException } from '../gateway.exception';

const REPLAY_IDLE_CLOSE_MS = 5_000;
/** Retry-After of a stream refused for a bound: streams end all the time, so a short wait is worth a try. */
const STREAM_LIMIT_RETRY_AFTER_S = 5;

/** Whose credential an open stream rides on, so it ends when that credential does. */
interface StreamOwner {
  tokenId: string;
  apiToken: boolean;
  expiresAt?: number;
}

@Injectable()
export class StreamHub implements OnModuleDestroy {
  private readonly tails = new Map<string, Promise<TopicFeed>>();
  private readonly started = new Map<string, TopicFeed>();
  private readonly replays = new Set<TopicFeed>();
  /** One reader per topic serves every replay feed of that topic. */
  private readonly replayReaders = new Map<string, ReplayReader>();
  private readonly streams = new Set<SseStream>();
  private readonly owners = new Map<SseStream, StreamOwner>();
  /** Streams per token or OIDC caller, counted from admission (before the stream is placed) to its end. */
  private readonly perCaller = new Map<string, number>();
  /** Admitted streams not yet open (being placed on a feed). */
  private admitting = 0;
  private readonly authTimer: NodeJS.Timeout;
  private authSweep?: Promise<void>;
  private readonly instance = randomUUID().slice(0, 8);
  private readonly heartbeatTimer: NodeJS.Timeout;
  private stopping = false;
  /** Streams ended per reason since start, for tests and logs. */
  readonly ended: Record<StreamEndReason, number> = {
    client_closed: 0,
    overflow: 0,
    shutdown: 0,
    feed_ended: 0,
    unauthorized: 0,
  };

  constructor(
    private readonly kafka: KafkaConnection,
    private readonly tokens: TokenService,
    private readonly pools: UpstreamPools,
    @InjectConfig() private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
    metrics: PlatformMetrics,
    @InjectInternalAuth() private readonly internalAuth: InternalAuth,
  ) {
    this.heartbeatTimer = setInterval(() => this.tick(), config.SSE_HEARTBEAT_MS);
    this.heartbeatTimer.unref();
    // A revocation through another replica (or an expiry) ends a stream within the token cache's lifetime.
    const cacheMs = config.GATEWAY_TOKEN_CACHE_MS;
    this.authTimer = setInterval(
      () => {
        this.authSweep ??= this.checkCredentials().finally(() => (this.authSweep = undefined));
      },
      cacheMs > 0 ? Math.min(Math.max(cacheMs / 2, 100), 2_500) : 1_000,
    );
    this.authTimer.unref();
    tokens.onRevoke((tokenId) => this.endStreamsOf(tokenId, 'The bearer token has been revoked.'));
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
      help: 'SSE streams ended, by topic and reason (client_closed, overflow: cut off as too slow, shutdown, feed_ended, unauthorized: token revoked or expired)',
      labelNames: ['topic', 'reason'],
      registers,
    });
    this.refused = new Counter({
      name: 'mcp_host_sse_streams_refused_total',
      help: 'SSE streams refused with 429 for a bound, by bound (per_token: SSE_MAX_STREAMS_PER_TOKEN, gateway: SSE_MAX_STREAMS)',
      labelNames: ['bound'],
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
  private readonly refused: Counter<'bound'>;

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

  /** The replay reader of a topic: subscriptions served and seeks back, or undefined before its first replay. */
  replayStats(topic: string): { subscriptions: number; seeksBack: number } | undefined {
    const r = this.replayReaders.get(topic);
    return r ? { ...r.stats } : undefined;
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
    caller: Caller,
  ): Promise<void> {
    const stream = route.stream;
    const topic = stream ? topicByName(stream.topic) : undefined;
    if (!stream || !topic?.watchable) {
      throw new GatewayException(
        GatewayErrorCode.STREAM_NOT_WATCHABLE,
        `${route.path} names a topic that cannot be streamed.`,
      );
    }
    if (this.stopping) throw new GatewayException(GatewayErrorCode.UNAVAILABLE, 'The gateway is stopping.');
    const query = (req.query ?? {}) as Record<string, unknown>;
    const wanted: [string, string][] = [];
    for (const [param, field] of Object.entries(stream.filters ?? {})) {
      const value = params[param] ?? query[param];
      if (typeof value === 'string' && value !== '') wanted.push([field, value]);
    }
    const from = query.from ?? 'latest';
    if (from !== 'latest' && from !== 'earliest') {
      throw new GatewayException(GatewayErrorCode.VALIDATION_FAILED, 'from: must be latest or earliest');
    }
    const header = req.headers['last-event-id'];
    const lastEventId = Array.isArray(header) ? header[0] : header;
    let resumeAt: Positions | undefined;
    if (lastEventId !== undefined && lastEventId.trim() !== '') {
      resumeAt = decodeCursor(lastEventId.trim());
      if (!resumeAt) {
        throw new GatewayException(
          GatewayErrorCode.INVALID_CURSOR,
          'Last-Event-ID is not an event id this gateway sent.',
        );
      }
    }

    const release = this.admit(caller);
    let opened = false;
    try {
      // A fresh connection to a snapshot-first route starts with the resource as it is; a resumed one already has it.
      const snapshot =
        stream.snapshot && !resumeAt
          ? () =>
              readSnapshot(this.pools, {
                route,
                params,
                caller,
                requestId: req.id,
                timeoutMs: this.config.GATEWAY_UPSTREAM_TIMEOUT_MS,
                ...(this.internalAuth.token !== undefined
                  ? { headers: { [INTERNAL_TOKEN_HEADER]: this.internalAuth.token } }
                  : {}),
              })
          : undefined;
      opened = await this.open(topic.name, wanted, resumeAt, from, caller, req, reply, snapshot);
    } finally {
      if (!opened) release();
    }
  }

  /** Counts a new stream against both bounds, or refuses it with 429; the returned function gives the place back. */
  private admit(caller: Caller): () => void {
    const max = this.config.SSE_MAX_STREAMS;
    const perCaller = this.config.SSE_MAX_STREAMS_PER_TOKEN;
    const retry = { 'retry-after': String(STREAM_LIMIT_RETRY_AFTER_S) };
    if (this.streams.size + this.admitting >= max) {
      this.refused.inc({ bound: 'gateway' });
      throw new GatewayException(
        GatewayErrorCode.TOO_MANY_STREAMS,
        `This gateway holds its maximum of ${max} open streams (SSE_MAX_STREAMS); retry later.`,
        undefined,
        retry,
      );
    }
    const held = this.perCaller.get(caller.tokenId) ?? 0;
    if (held >= perCaller) {
      this.refused.inc({ bound: 'per_token' });
      throw new GatewayException(
        GatewayErrorCode.TOO_MANY_STREAMS,
        `This token already holds ${held} open streams, the most allowed (SSE_MAX_STREAMS_PER_TOKEN); close one first.`,
        undefined,
        retry,
      );
    }
    this.perCaller.set(caller.tokenId, held + 1);
    this.admitting += 1;
    let admitted = true;
    return () => {
      if (!admitted) return;
      admitted = false;
      this.admitting -= 1;
      this.releaseCaller(caller.tokenId);
    };
  }

  private releaseCaller(tokenId: string): void {
    const n = (this.perCaller.get(tokenId) ?? 1) - 1;
    if (n <= 0) this.perCaller.delete(tokenId);
    else this.perCaller.set(tokenId, n);
  }

  /** Places and opens an admitted stream; false when it did not open (its place is given back by the caller). */
  private async open(
    topic: string,
    wanted: [string, string][],
    resumeAt: Positions | undefined,
    from: 'latest' | 'earliest',
    caller: Caller,
    req: FastifyRequest,
    reply: FastifyReply,
    snapshot?: () => Promise<string>,
  ): Promise<boolean> {
    const res = reply.raw;
    const sse = new SseStream({
      res,
      matches: (payload) => wanted.every(([field, value]) => String(payload[field]) === value),
      maxBufferBytes: this.config.SSE_MAX_BUFFER_BYTES,
      closeGraceMs: 5_000,
      onEnd: (s, reason) => this.onStreamEnd(s, topic, reason),
      onLost: (s, feed) => this.attach(s, feed, s.position()),
    });
    // Position first: a Kafka failure is still an ordinary error answer, not a broken stream.
    const place = await this.position(topic, resumeAt, from);
    // Read only now: every change after this read lies past `place`, so the stream misses none (one read just
    // before may come twice, once in the snapshot and once as its event). An unknown resource is a plain 404.
    const current = snapshot ? await snapshot() : undefined;
    reply.hijack();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'x-request-id': req.id,
    });
    res.flushHeaders();
    if (res.destroyed || sse.isEnded) return false;
    // Its id is the stream's starting place, so a reconnect with it resumes right after the snapshot.
    if (current !== undefined) res.write(sseFrame(encodeCursor(place.pos), 'snapshot', current));
    this.admitting -= 1;
    this.streams.add(sse);
    this.owners.set(sse, {
      tokenId: caller.tokenId,
      apiToken: caller.apiToken,
      ...(caller.expiresAt !== undefined ? { expiresAt: caller.expiresAt } : {}),
    });
    this.opened.inc({ topic });
    this.attach(sse, place.feed, place.pos);
    return true;
  }

  /** Ends every open stream of a token with the `unauthorized` event. */
  private endStreamsOf(tokenId: string, message: string): void {
    for (const [sse, owner] of [...this.owners]) {
      if (owner.tokenId === tokenId) sse.endUnauthorized(message);
    }
  }

  /** Ends the streams whose credential expired, or whose API token is revoked or gone (asked of the database). */
  private async checkCredentials(): Promise<void> {
    if (this.owners.size === 0) return;
    const now = Date.now();
    const apiTokens = new Set<string>();
    for (const [sse, owner] of [...this.owners]) {
      if (owner.expiresAt !== undefined && owner.expiresAt <= now) {
        sse.endUnauthorized('The bearer token has expired.');
      } else if (owner.apiToken) apiTokens.add(owner.tokenId);
    }
    if (apiTokens.size === 0) return;
    let active: Set<string>;
    try {
      active = await this.tokens.activeIds([...apiTokens]);
    } catch (err) {
      // The database is away: streams go on, and the next sweep asks again.
      this.logger.warn({ err: (err as Error).message }, 'could not re-check the tokens of open streams');
      return;
    }
    for (const id of apiTokens) {
      if (!active.has(id)) this.endStreamsOf(id, 'The bearer token has been revoked or has expired.');
    }
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
      // From the earliest offset still held: the tail's buffer or a replay feed may already cover it.
      resumeAt = await this.replayReader(topic).earliest();
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
        const feed = await TopicFeed.open(
          {
            kind: 'tail',
            topic,
            bufferBytes: this.config.SSE_REPLAY_BUFFER_BYTES,
            onAdvance: () => this.migrateAll(topic),
            onFatal: (f, err) => this.feedFailed(f, err),
            onFanout: (f, fan) => {
              if (fan.subscribers > 0) this.fanout.observe({ topic: f.topic }, fan.ms / 1000);
            },
          },
          (onRecords, onFatal) =>
            TopicReader.open(this.kafka, {
              topic,
              from: 'latest',
              groupIdPrefix: `mcp-host.gateway.sse.${this.instance}`,
              onRecords,
              onFatal,
            }),
        );
        this.started.set(topic, feed);
        return feed;
      })();
      this.tails.set(topic, tail);
      // A failed start is not cached: the next client tries again.
      tail.catch(() => this.tails.delete(topic));
    }
    return tail;
  }

  private replayReader(topic: string): ReplayReader {
    let reader = this.replayReaders.get(topic);
    if (!reader) {
      reader = new ReplayReader(this.kafka, topic, `mcp-host.gateway.sse-replay.${this.instance}.${topic}`);
      this.replayReaders.set(topic, reader);
    }
    return reader;
  }

  private async openReplay(topic: string, from: Record<number, string>): Promise<TopicFeed> {
    const feed = await TopicFeed.open(
      {
        kind: 'replay',
        topic,
        bufferBytes: this.config.SSE_REPLAY_BUFFER_BYTES,
        onAdvance: (f) => this.migrate(f),
        onFatal: (f, err) => this.feedFailed(f, err),
      },
      (onRecords, onFatal) => this.replayReader(topic).subscribe(from, onRecords, onFatal),
    );
    if (this.stopping) {
      await feed.close();
      throw new GatewayException(GatewayErrorCode.UNAVAILABLE, 'The gateway is stopping.');
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
    const owner = this.owners.get(sse);
    this.owners.delete(sse);
    if (owner) this.releaseCaller(owner.tokenId);
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
    clearInterval(this.authTimer);
    await this.authSweep;
    for (const s of [...this.streams]) s.end('shutdown');
    const tails = await Promise.allSettled([...this.tails.values()]);
    this.tails.clear();
    this.started.clear();
    const feeds = [...this.replays];
    this.replays.clear();
    for (const t of tails) if (t.status === 'fulfilled') feeds.push(t.value);
    await Promise.all(feeds.map((f) => f.close()));
    const readers = [...this.replayReaders.values()];
    this.replayReaders.clear();
    await Promise.all(readers.map((r) => r.close()));
  }
}
