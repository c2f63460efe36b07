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
  /** Largest request frame accepted; a larger, zero or negative declared size closes the connection. Default 100 MiB. */
  maxRequestBytes?: number;
  /** Most partitions one topic may have (CreateTopics, CreatePartitions, auto-creation, and at load). Default 64. */
  maxPartitionsPerTopic?: number;
  /** Partitions of all topics together; past it creation is refused like maxPartitionsPerTopic. Default 4,096. */
  maxPartitions?: number;
  /** Open client connections; past it a new connection is closed at once. Default 1,024. */
  maxConnections?: number;
  /** Requests one connection may have unanswered; past it the broker stops reading that socket. Default 100. */
  maxInFlightRequests?: number;
  /** Response bytes queued for one socket above which the broker stops reading from it. Default 64 MiB. */
  maxUnsentBytes?: number;
  /** A connection above maxUnsentBytes that sends nothing on for this long is closed. Default 30 s. */
  drainTimeoutMs?: number;
  /** Most bytes of records in one Fetch response, whatever the client asks (Kafka's fetch.max.bytes). Default 55 MiB. */
  fetchMaxBytes?: number;
  /** Consumer groups held at once (with members, empty, or offsets only); a new one past it is refused. Default 10,000. */
  maxGroups?: number;
  /** Members of one group; a new member past it gets GROUP_MAX_SIZE_REACHED (Kafka's group.max.size). Default 1,000. */
  maxGroupMembers?: number;
  /**
   * How long a group without members is kept, with its committed offsets (Kafka's offsets.retention for empty
   * groups). Default: the group's session timeout (of its last member; 5 min for a group with none since startup).
   */
  emptyGroupRetentionMs?: number;
  /** The committed-offsets journal is compacted when it passes this size (and at startup). Default 16 MiB. */
  offsetsJournalCompactBytes?: number;
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
  maxPartitionsPerTopic: number;
  maxPartitions: number;
  maxConnections: number;
  maxInFlightRequests: number;
  maxUnsentBytes: number;
  drainTimeoutMs: number;
  fetchMaxBytes: number;
  maxGroups: number;
  maxGroupMembers: number;
  /** undefined: each group's own session timeout. */
  emptyGroupRetentionMs: number | undefined;
  offsetsJournalCompactBytes: number;
  groupInitialRebalanceDelayMs: number;
  nodeId: number;
  clusterId: string;
  logger: BrokerLogger;
}

const silent: BrokerLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  return v;
}

export function resolveOptions(o: EmbeddedKafkaOptions): ResolvedOptions {
  const maxPartitionsPerTopic = positiveInt('maxPartitionsPerTopic', o.maxPartitionsPerTopic, 64);
  const defaultPartitions = positiveInt('defaultPartitions', o.defaultPartitions, 1);
  if (defaultPartitions > maxPartitionsPerTopic) {
    throw new Error(
      `defaultPartitions (${defaultPartitions}) must not exceed maxPartitionsPerTopic (${maxPartitionsPerTopic})`,
    );
  }
  if (o.emptyGroupRetentionMs !== undefined && !(o.emptyGroupRetentionMs >= 0)) {
    throw new Error(`emptyGroupRetentionMs must be >= 0, got ${o.emptyGroupRetentionMs}`);
  }
  return {
    port: o.port ?? 0,
    host: o.host ?? '127.0.0.1',
    advertisedHost: o.advertisedHost,
    advertisedPort: o.advertisedPort,
    dataDir: o.dataDir,
    autoCreateTopics: o.autoCreateTopics ?? true,
    defaultPartitions,
    fsync: o.fsync ?? 'interval',
    fsyncIntervalMs: o.fsyncIntervalMs ?? 1000,
    retentionMs: o.retentionMs ?? 7 * 24 * 3600 * 1000,
    retentionBytes: o.retentionBytes ?? -1,
    segmentBytes: o.segmentBytes ?? 64 * 1024 * 1024,
    retentionCheckIntervalMs: o.retentionCheckIntervalMs ?? 30_000,
    maxMessageBytes: o.maxMessageBytes ?? 1024 * 1024 + 12,
    maxRequestBytes: positiveInt('maxRequestBytes', o.maxRequestBytes, 100 * 1024 * 1024),
    maxPartitionsPerTopic,
    maxPartitions: positiveInt('maxPartitions', o.maxPartitions, 4096),
    maxConnections: positiveInt('maxConnections', o.maxConnections, 1024),
    maxInFlightRequests: positiveInt('maxInFlightRequests', o.maxInFlightRequests, 100),
    maxUnsentBytes: positiveInt('maxUnsentBytes', o.maxUnsentBytes, 64 * 1024 * 1024),
    drainTimeoutMs: positiveInt('drainTimeoutMs', o.drainTimeoutMs, 30_000),
    fetchMaxBytes: positiveInt('fetchMaxBytes', o.fetchMaxBytes, 55 * 1024 * 1024),
    maxGroups: positiveInt('maxGroups', o.maxGroups, 10_000),
    maxGroupMembers: positiveInt('maxGroupMembers', o.maxGroupMembers, 1000),
    emptyGroupRetentionMs: o.emptyGroupRetentionMs,
    offsetsJournalCompactBytes: positiveInt(
      'offsetsJournalCompactBytes',
      o.offsetsJournalCompactBytes,
      16 * 1024 * 1024,
    ),
    groupInitialRebalanceDelayMs: o.groupInitialRebalanceDelayMs ?? 0,
    nodeId: o.nodeId ?? 1,
    clusterId: o.clusterId ?? 'embedded-kafka-cluster',
    logger: o.logger ?? silent,
  };
}
