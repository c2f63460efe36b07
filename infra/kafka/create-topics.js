#!/usr/bin/env node
// Creates every Kafka topic in the contracts topic registry (ALL_TOPICS, dead-letter twins included) with its
// partition count and retention, instead of leaving them to broker auto-creation defaults.
// Prints the kafka-topics.sh commands by default; --execute runs them. Needs the built contracts package.
//   node infra/kafka/create-topics.js [--execute] [--bootstrap-server host:port] [--replication-factor n]
// Environment: KAFKA_BROKERS (default localhost:9092), KAFKA_TOPICS_BIN (default kafka-topics.sh).
'use strict';

const path = require('node:path');
const { spawnSync } = require('node:child_process');

// Kafka's own rule for legal topic names; anything else would need shell quoting and the broker rejects it anyway.
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const LEGAL_BOOTSTRAP = /^[a-zA-Z0-9._:,\[\]-]+$/;

/**
 * @param {ReadonlyArray<{ name: string, partitions: number, retentionMs: number }>} topics
 * @param {{ bin: string, bootstrapServer: string, replicationFactor: number }} options
 * @returns {string[][]} one argv per topic, the binary first
 */
function topicCommands(topics, options) {
  if (!LEGAL_BOOTSTRAP.test(options.bootstrapServer)) {
    throw new Error(`invalid bootstrap server: ${JSON.stringify(options.bootstrapServer)}`);
  }
  if (!Number.isInteger(options.replicationFactor) || options.replicationFactor < 1) {
    throw new Error(`invalid replication factor: ${options.replicationFactor}`);
  }
  return topics.map((topic) => {
    if (!LEGAL_TOPIC.test(topic.name)) throw new Error(`invalid topic name: ${JSON.stringify(topic.name)}`);
    if (!Number.isInteger(topic.partitions) || topic.partitions < 1) {
      throw new Error(`topic ${topic.name}: invalid partitions ${topic.partitions}`);
    }
    // -1 is Kafka's "keep forever"; any other value must be a positive number of milliseconds.
    if (!Number.isInteger(topic.retentionMs) || (topic.retentionMs < 1 && topic.retentionMs !== -1)) {
      throw new Error(`topic ${topic.name}: invalid retentionMs ${topic.retentionMs}`);
    }
    return [
      options.bin,
      '--bootstrap-server',
      options.bootstrapServer,
      '--create',
      '--if-not-exists',
      '--topic',
      topic.name,
      '--partitions',
      String(topic.partitions),
      '--replication-factor',
      String(options.replicationFactor),
      '--config',
      `retention.ms=${topic.retentionMs}`,
    ];
  });
}

function loadTopics() {
  let contracts;
  try {
    contracts = require('@mcp-host/contracts');
  } catch {
    try {
      contracts = require(path.resolve(__dirname, '..', '..', 'packages', 'contracts'));
    } catch (error) {
      throw new Error(
        `cannot load @mcp-host/contracts (${error.message}); build it first: pnpm turbo run build --filter @mcp-host/contracts`,
      );
    }
  }
  if (!Array.isArray(contracts.ALL_TOPICS)) throw new Error('@mcp-host/contracts does not export ALL_TOPICS');
  return contracts.ALL_TOPICS;
}

function parseArgs(argv, env) {
  const options = {
    execute: false,
    bin: env.KAFKA_TOPICS_BIN || 'kafka-topics.sh',
    bootstrapServer: env.KAFKA_BROKERS || 'localhost:9092',
    replicationFactor: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--execute') options.execute = true;
    else if (arg === '--bootstrap-server') options.bootstrapServer = argv[++i] ?? '';
    else if (arg === '--replication-factor') options.replicationFactor = Number(argv[++i]);
    else throw new Error(`unknown argument: ${arg}`);
  }
  return options;
}

function main() {
  const options = parseArgs(process.argv.slice(2), process.env);
  const commands = topicCommands(loadTopics(), options);
  for (const argv of commands) {
    if (!options.execute) {
      process.stdout.write(`${argv.join(' ')}\n`);
      continue;
    }
    const result = spawnSync(argv[0], argv.slice(1), { stdio: 'inherit' });
    if (result.error) throw result.error;
    if (result.status !== 0) throw new Error(`${argv.slice(0, 7).join(' ')} exited ${result.status}`);
  }
}

module.exports = { topicCommands, parseArgs };

if (require.main === module) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`create-topics: ${error.message}\n`);
    process.exit(1);
  }
}
