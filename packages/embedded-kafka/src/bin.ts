#!/usr/bin/env node
// Command-line broker: `embedded-kafka --port 9092 --data-dir DIR [--host 127.0.0.1] [--log-level debug]`.
import { parseArgs } from 'node:util';
import { startEmbeddedKafka } from './broker/embedded-kafka';
import type { BrokerLogger, FsyncPolicy } from './broker/broker-options';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

function makeLogger(level: Level): BrokerLogger {
  const min = LEVELS.indexOf(level);
  const at = (l: Level) => (message: string) => {
    if (LEVELS.indexOf(l) >= min)
      process.stderr.write(`${new Date().toISOString()} ${l.toUpperCase()} ${message}\n`);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function numberFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '9092' },
      host: { type: 'string', default: '127.0.0.1' },
      'advertised-host': { type: 'string' },
      'advertised-port': { type: 'string' },
      'data-dir': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'auto-create-topics': { type: 'string', default: 'true' },
      'default-partitions': { type: 'string' },
      fsync: { type: 'string' },
      'retention-ms': { type: 'string' },
      'retention-bytes': { type: 'string' },
      'segment-bytes': { type: 'string' },
      'max-message-bytes': { type: 'string' },
      'max-request-bytes': { type: 'string' },
      'max-partitions-per-topic': { type: 'string' },
      'max-partitions': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-in-flight-requests': { type: 'string' },
      'max-unsent-bytes': { type: 'string' },
      'drain-timeout-ms': { type: 'string' },
      'fetch-max-bytes': { type: 'string' },
      'max-groups': { type: 'string' },
      'max-group-members': { type: 'string' },
      'empty-group-retention-ms': { type: 'string' },
      'offsets-journal-compact-bytes': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'embedded-kafka --port 9092 --data-dir DIR [--host 127.0.0.1] [--log-level debug|info|warn|error]\n' +
        '  [--advertised-host HOST] [--advertised-port PORT]\n' +
        '  [--auto-create-topics true|false] [--default-partitions N] [--fsync always|interval|never]\n' +
        '  [--retention-ms MS] [--retention-bytes N] [--segment-bytes N]\n' +
        '  [--max-message-bytes N] [--max-request-bytes N] [--max-partitions-per-topic N] [--max-partitions N]\n' +
        '  [--max-connections N] [--max-in-flight-requests N] [--max-unsent-bytes N] [--drain-timeout-ms MS]\n' +
        '  [--fetch-max-bytes N] [--max-groups N] [--max-group-members N] [--empty-group-retention-ms MS]\n' +
        '  [--offsets-journal-compact-bytes N]\n' +
        'Without --data-dir the broker keeps everything in memory. Not a production broker.\n',
    );
    return;
  }
  const level = values['log-level'] as Level;
  if (!LEVELS.includes(level)) throw new Error(`--log-level must be one of ${LEVELS.join(', ')}`);
  const fsync = values.fsync as FsyncPolicy | undefined;
  if (fsync !== undefined && !['always', 'interval', 'never'].includes(fsync)) {
    throw new Error('--fsync must be always, interval or never');
  }
  const logger = makeLogger(level);
  const broker = await startEmbeddedKafka({
    port: numberFlag(values.port, 'port'),
    host: values.host,
    advertisedHost: values['advertised-host'],
    advertisedPort: numberFlag(values['advertised-port'], 'advertised-port'),
    dataDir: values['data-dir'],
    autoCreateTopics: values['auto-create-topics'] !== 'false',
    defaultPartitions: numberFlag(values['default-partitions'], 'default-partitions'),
    fsync,
    retentionMs: numberFlag(values['retention-ms'], 'retention-ms'),
    retentionBytes: numberFlag(values['retention-bytes'], 'retention-bytes'),
    segmentBytes: numberFlag(values['segment-bytes'], 'segment-bytes'),
    maxMessageBytes: numberFlag(values['max-message-bytes'], 'max-message-bytes'),
    maxRequestBytes: numberFlag(values['max-request-bytes'], 'max-request-bytes'),
    maxPartitionsPerTopic: numberFlag(values['max-partitions-per-topic'], 'max-partitions-per-topic'),
    maxPartitions: numberFlag(values['max-partitions'], 'max-partitions'),
    maxConnections: numberFlag(values['max-connections'], 'max-connections'),
    maxInFlightRequests: numberFlag(values['max-in-flight-requests'], 'max-in-flight-requests'),
    maxUnsentBytes: numberFlag(values['max-unsent-bytes'], 'max-unsent-bytes'),
    drainTimeoutMs: numberFlag(values['drain-timeout-ms'], 'drain-timeout-ms'),
    fetchMaxBytes: numberFlag(values['fetch-max-bytes'], 'fetch-max-bytes'),
    maxGroups: numberFlag(values['max-groups'], 'max-groups'),
    maxGroupMembers: numberFlag(values['max-group-members'], 'max-group-members'),
    emptyGroupRetentionMs: numberFlag(values['empty-group-retention-ms'], 'empty-group-retention-ms'),
    offsetsJournalCompactBytes: numberFlag(
      values['offsets-journal-compact-bytes'],
      'offsets-journal-compact-bytes',
    ),
    logger,
  });
  process.stdout.write(`${broker.brokers[0]}\n`);
  const shutdown = (signal: string): void => {
    logger.info(`received ${signal}, shutting down`);
    broker.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error(`shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`embedded-kafka: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
