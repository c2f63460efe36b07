// Starts the broker: opens the logs, listens on TCP and runs the retention and fsync timers until stop().
import * as net from 'node:net';
import { GroupCoordinator } from '../group/group-coordinator';
import { OffsetStore } from '../group/offset-store';
import { TopicRegistry } from '../log/topic-registry';
import { Connection } from '../server/connection';
import type { BrokerContext } from './broker-context';
import { EmbeddedKafkaOptions, resolveOptions } from './broker-options';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

export interface EmbeddedKafkaStats {
  /** Open client connections. */
  connections: number;
  /** Consumer groups held: with members, empty ones not yet expired, and those known only by committed offsets. */
  groups: number;
  topics: number;
  partitions: number;
}

export interface EmbeddedKafka {
  /** `host:port` strings to hand to a Kafka client. */
  readonly brokers: string[];
  readonly port: number;
  /** Counts of what the broker holds, for monitoring and tests. */
  stats(): EmbeddedKafkaStats;
  stop(): Promise<void>;
}

export async function startEmbeddedKafka(options: EmbeddedKafkaOptions = {}): Promise<EmbeddedKafka> {
  const opts = resolveOptions(options);
  const topics = new TopicRegistry(opts);
  const offsets = new OffsetStore(opts);
  const groups = new GroupCoordinator(opts, offsets);
  // Time-based ids never repeat across restarts, so recovered producer state cannot collide with a new producer.
  let producerId = Date.now() * 1000;
  const ctx: BrokerContext = {
    opts,
    topics,
    offsets,
    groups,
    advertisedHost: opts.host,
    advertisedPort: opts.port,
    nextProducerId: () => producerId++,
    hostFor: (localAddress) =>
      opts.advertisedHost ?? (WILDCARDS.has(opts.host) ? localAddress.replace(/^::ffff:/, '') : opts.host),
    pendingFetches: new Set(),
  };

  const connections = new Set<Connection>();
  const server = net.createServer((socket) => {
    if (connections.size >= opts.maxConnections) {
      opts.logger.debug(
        `connection from ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'} refused: ${connections.size} open (maxConnections)`,
      );
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    const conn = new Connection(socket, ctx);
    connections.add(conn);
    opts.logger.debug(`connection from ${conn.remote}`);
    socket.on('close', () => connections.delete(conn));
  });
  server.on('error', (err) => opts.logger.error(`server error: ${err.message}`));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  ctx.advertisedPort = opts.advertisedPort ?? address.port;
  opts.logger.info(
    `embedded kafka listening on ${opts.host}:${address.port}${opts.dataDir ? ` with data in ${opts.dataDir}` : ' in memory'}`,
  );

  const timers: NodeJS.Timeout[] = [];
  timers.push(
    setInterval(() => {
      try {
        topics.applyRetention(Date.now());
      } catch (err) {
        opts.logger.error(`retention failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }, opts.retentionCheckIntervalMs).unref(),
  );
  const retention = opts.emptyGroupRetentionMs;
  const sweepMs = retention === undefined ? 1000 : Math.max(50, Math.min(1000, retention));
  timers.push(
    setInterval(() => {
      try {
        groups.expireEmptyGroups(Date.now());
      } catch (err) {
        opts.logger.error(`group expiry failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }, sweepMs).unref(),
  );
  if (opts.dataDir && opts.fsync === 'interval') {
    timers.push(
      setInterval(() => {
        // Async so a slow disk sync does not stall requests (it would show up as tail latency).
        for (const p of topics.allPartitions()) {
          p.flushAsync().catch((err: unknown) => opts.logger.error(`fsync failed: ${String(err)}`));
        }
        offsets.flushAsync();
      }, opts.fsyncIntervalMs).unref(),
    );
  }

  const reachable = opts.host === '::' ? '::1' : WILDCARDS.has(opts.host) ? '127.0.0.1' : opts.host;
  const host = reachable.includes(':') ? `[${reachable}]` : reachable;
  let stopped: Promise<void> | undefined;
  return {
    brokers: [`${host}:${address.port}`],
    port: address.port,
    stats: () => {
      const groupIds = new Set([...groups.groups.keys(), ...offsets.groupIds()]);
      let partitions = 0;
      for (const t of topics.topics.values()) partitions += t.partitions.length;
      return { connections: connections.size, groups: groupIds.size, topics: topics.topics.size, partitions };
    },
    stop: () => {
      stopped ??= (async () => {
        for (const t of timers) clearInterval(t);
        for (const finish of [...ctx.pendingFetches]) finish();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const c of connections) c.close();
        await closed;
        groups.close();
        topics.close();
        offsets.close();
        opts.logger.info('embedded kafka stopped');
      })();
      return stopped;
    },
  };
}
