// The broker's topics and their partition logs; on disk a topic is the set of `topics/<name>-<n>` directories.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedOptions } from '../broker/broker-options';
import { ErrorCode } from '../protocol/error-codes';
import { PartitionLog } from './partition-log';

export interface Topic {
  readonly name: string;
  readonly partitions: PartitionLog[];
  readonly configs: Map<string, string>;
}

const LEGAL_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function validTopicName(name: string): boolean {
  return LEGAL_NAME.test(name) && name !== '.' && name !== '..';
}

export class TopicRegistry {
  readonly topics = new Map<string, Topic>();

  constructor(private readonly opts: ResolvedOptions) {
    if (opts.dataDir) this.load(opts.dataDir);
  }

  private load(dataDir: string): void {
    const root = path.join(dataDir, 'topics');
    fs.mkdirSync(root, { recursive: true });
    const found = new Map<string, number[]>();
    for (const entry of fs.readdirSync(root)) {
      const dash = entry.lastIndexOf('-');
      const partition = Number(entry.slice(dash + 1));
      if (dash <= 0 || !Number.isInteger(partition)) continue;
      const name = entry.slice(0, dash);
      found.set(name, [...(found.get(name) ?? []), partition]);
    }
    for (const [name, parts] of found) {
      // A partition directory past the limit (left by an older broker or put there by hand) is not opened, so a
      // data dir cannot make the broker open more files at startup than the limit allows.
      const max = this.opts.maxPartitionsPerTopic;
      const beyond = parts.filter((p) => p >= max);
      if (beyond.length > 0) {
        this.opts.logger.warn(
          `topic ${name}: ignoring ${beyond.length} partition directories beyond maxPartitionsPerTopic (${max})`,
        );
      }
      const count = Math.min(Math.max(...parts) + 1, max);
      const topic: Topic = { name, partitions: [], configs: this.loadConfigs(dataDir, name) };
      for (let p = 0; p < count; p++) topic.partitions.push(this.openPartition(name, p));
      this.topics.set(name, topic);
    }
  }

  private configPath(dataDir: string, topic: string): string {
    return path.join(dataDir, 'topic-configs', `${topic}.json`);
  }

  private loadConfigs(dataDir: string, topic: string): Map<string, string> {
    try {
      const raw = JSON.parse(fs.readFileSync(this.configPath(dataDir, topic), 'utf8')) as Record<
        string,
        string
      >;
      return new Map(Object.entries(raw));
    } catch {
      return new Map();
    }
  }

  private saveConfigs(topic: Topic): void {
    if (!this.opts.dataDir || topic.configs.size === 0) return;
    const file = this.configPath(this.opts.dataDir, topic.name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(Object.fromEntries(topic.configs)));
  }

  private openPartition(topic: string, partition: number): PartitionLog {
    const dir = this.opts.dataDir ? PartitionLog.dirFor(this.opts.dataDir, topic, partition) : undefined;
    return new PartitionLog(topic, partition, dir, this.opts);
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  /** Returns the topic, creating it when auto-creation allows; an error code otherwise. */
  getOrAutoCreate(name: string, allowAutoCreate = true): Topic | number {
    const existing = this.topics.get(name);
    if (existing) return existing;
    if (!this.opts.autoCreateTopics || !allowAutoCreate) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    if (!validTopicName(name)) return ErrorCode.INVALID_TOPIC_EXCEPTION;
    const invalid = this.partitionCountError(this.opts.defaultPartitions);
    if (invalid) {
      this.opts.logger.debug(`auto-creation of topic ${name} refused: ${invalid}`);
      return ErrorCode.INVALID_PARTITIONS;
    }
    return this.create(name, this.opts.defaultPartitions, new Map());
  }

  /** Partitions of every topic together. */
  partitionTotal(): number {
    let n = 0;
    for (const t of this.topics.values()) n += t.partitions.length;
    return n;
  }

  /** Why a topic may not have `count` partitions (of which `existing` it has already), or null when it may. */
  partitionCountError(count: number, existing = 0): string | null {
    if (!Number.isSafeInteger(count) || count < 1) return 'Number of partitions must be at least 1.';
    if (count > this.opts.maxPartitionsPerTopic) {
      return `Number of partitions ${count} exceeds this broker's limit of ${this.opts.maxPartitionsPerTopic} per topic.`;
    }
    const total = this.partitionTotal();
    if (total + count - existing > this.opts.maxPartitions) {
      return `This broker holds ${total} partitions; ${count - existing} more would pass its limit of ${this.opts.maxPartitions}.`;
    }
    return null;
  }

  create(name: string, partitions: number, configs: Map<string, string>): Topic {
    const invalid = this.partitionCountError(partitions);
    if (invalid) throw new Error(invalid);
    const topic: Topic = { name, partitions: [], configs };
    for (let p = 0; p < partitions; p++) topic.partitions.push(this.openPartition(name, p));
    this.topics.set(name, topic);
    this.saveConfigs(topic);
    this.opts.logger.debug(`created topic ${name} with ${partitions} partitions`);
    return topic;
  }

  addPartitions(topic: Topic, total: number): void {
    const invalid = this.partitionCountError(total, topic.partitions.length);
    if (invalid) throw new Error(invalid);
    for (let p = topic.partitions.length; p < total; p++)
      topic.partitions.push(this.openPartition(topic.name, p));
  }

  delete(name: string): boolean {
    const topic = this.topics.get(name);
    if (!topic) return false;
    for (const p of topic.partitions) p.remove();
    this.topics.delete(name);
    if (this.opts.dataDir) fs.rmSync(this.configPath(this.opts.dataDir, name), { force: true });
    return true;
  }

  /** Applies retention to every partition, honouring per-topic retention.ms / retention.bytes overrides. */
  applyRetention(now: number): void {
    for (const t of this.topics.values()) {
      const ms = Number(t.configs.get('retention.ms') ?? this.opts.retentionMs);
      const bytes = Number(t.configs.get('retention.bytes') ?? this.opts.retentionBytes);
      for (const p of t.partitions) p.applyRetention(now, ms, bytes);
    }
  }

  *allPartitions(): Iterable<PartitionLog> {
    for (const t of this.topics.values()) yield* t.partitions;
  }

  close(): void {
    for (const p of this.allPartitions()) p.close();
  }
}
