// Options of startEmbeddedKafka and their defaults; every default suits tests (fast, in memory) unless noted.
export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface BrokerLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface EmbeddedKafkaOptions {
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Bind address, also advertised in Metadata. Default 127.0.0.1. */
  host?: string;
  /** Host advertised in Metadata/FindCoordinator instead of the bound one (Kafka's advertised.listeners), e.g. behind a proxy. */
  advertisedHost?: string;
  /** Port advertised instead of the bound one. */
  advertisedPort?: number;
  /** Directory for log segments and committed offsets; omit for an in-memory broker. */
  dataDir?: string;
  /** Create unknown topics on Metadata/Produce/Fetch. Default true. */
  autoCreateTopics?: boolean;
  /** Partition count for auto-created topics and CreateTopics with -1. Default 1. */
  defaultPartitions?: number;
  /** When segment data reaches the disk. Default 'interval'. */
  fsync?: FsyncPolicy;
  /** Period of the 'interval' fsync policy. Default 1000 ms. */
  fsyncIntervalMs?: number;
  /** Delete closed segments whose newest record is older than this. Default 7 days; -1 keeps forever. */
  retentionMs?: number;
  /** Per-partition size above which the oldest closed segments are deleted. Default -1 (unbounded). */
  retentionBytes?: number;
  /** Roll to a new segment beyond this size. Default 64 MiB. */
  segmentBytes?: number;
  /** How often retention runs. Default 30 s. */
  retentionCheckIntervalMs?: number;
  /** Largest record batch accepted (Kafka's message.max.bytes). Default 1 MiB + 12. */
  maxMessageBytes?: number;
  /** Largest request frame accepted; larger frames close the connection. Default 100 MiB. */
  maxRequestBytes?: number;
  /** Delay before the first generation of an empty group forms. Default 0 (Kafka uses 3 s). */
  groupInitialRebalanceDelayMs?: number;
  /** Node id advertised in Metadata and FindCoordinator. Default 1. */
  nodeId?: number;
  /** Cluster id advertised in Metadata. */
  clusterId?: string;
  logger?: BrokerLogger;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  advertisedHost: string | undefined;
  advertisedPort: number | undefined;
  dataDir: string | undefined;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  retentionMs: number;
  retentionBytes: number;
  segmentBytes: number;
  retentionCheckIntervalMs: number;
  maxMessageBytes: number;
  maxRequestBytes: number;
  groupInitialRebalanceDelayMs: number;
  nodeId: number;
  clusterId: string;
  logger: BrokerLogger;
}

const silent: BrokerLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export function resolveOptions(o: EmbeddedKafkaOptions): ResolvedOptions {
  return {
    port: o.port ?? 0,
    host: o.host ?? '127.0.0.1',
    advertisedHost: o.advertisedHost,
    advertisedPort: o.advertisedPort,
    dataDir: o.dataDir,
    autoCreateTopics: o.autoCreateTopics ?? true,
    defaultPartitions: o.defaultPartitions ?? 1,
    fsync: o.fsync ?? 'interval',
    fsyncIntervalMs: o.fsyncIntervalMs ?? 1000,
    retentionMs: o.retentionMs ?? 7 * 24 * 3600 * 1000,
    retentionBytes: o.retentionBytes ?? -1,
    segmentBytes: o.segmentBytes ?? 64 * 1024 * 1024,
    retentionCheckIntervalMs: o.retentionCheckIntervalMs ?? 30_000,
    maxMessageBytes: o.maxMessageBytes ?? 1024 * 1024 + 12,
    maxRequestBytes: o.maxRequestBytes ?? 100 * 1024 * 1024,
    groupInitialRebalanceDelayMs: o.groupInitialRebalanceDelayMs ?? 0,
    nodeId: o.nodeId ?? 1,
    clusterId: o.clusterId ?? 'embedded-kafka-cluster',
    logger: o.logger ?? silent,
  };
}
