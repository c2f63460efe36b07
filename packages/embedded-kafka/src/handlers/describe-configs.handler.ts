// DescribeConfigs v0-v2: the topic and broker settings clients commonly ask about.
import type { BrokerContext } from '../broker/broker-context';
import { ErrorCode } from '../protocol/error-codes';
import { Writer } from '../protocol/writer';
import type { KafkaRequest } from '../server/request';

const TOPIC = 2;
const BROKER = 4;
const SOURCE_DYNAMIC_TOPIC = 1;
const SOURCE_STATIC_BROKER = 4;
const SOURCE_DEFAULT = 5;

interface ConfigEntry {
  name: string;
  value: string;
  source: number;
}

function topicConfigs(ctx: BrokerContext, overrides: Map<string, string>): ConfigEntry[] {
  const o = ctx.opts;
  const defaults: [string, string][] = [
    ['cleanup.policy', 'delete'],
    ['compression.type', 'producer'],
    ['max.message.bytes', String(o.maxMessageBytes)],
    ['message.timestamp.type', 'CreateTime'],
    ['min.insync.replicas', '1'],
    ['retention.bytes', String(o.retentionBytes)],
    ['retention.ms', String(o.retentionMs)],
    ['segment.bytes', String(o.segmentBytes)],
  ];
  const entries = defaults.map(([name, value]) => ({ name, value, source: SOURCE_DEFAULT }));
  for (const [name, value] of overrides) {
    const existing = entries.find((e) => e.name === name);
    if (existing) Object.assign(existing, { value, source: SOURCE_DYNAMIC_TOPIC });
    else entries.push({ name, value, source: SOURCE_DYNAMIC_TOPIC });
  }
  return entries;
}

function brokerConfigs(ctx: BrokerContext): ConfigEntry[] {
  const o = ctx.opts;
  const entries: [string, string][] = [
    ['auto.create.topics.enable', String(o.autoCreateTopics)],
    ['broker.id', String(o.nodeId)],
    ['default.replication.factor', '1'],
    ['log.retention.bytes', String(o.retentionBytes)],
    ['log.retention.ms', String(o.retentionMs)],
    ['log.segment.bytes', String(o.segmentBytes)],
    ['message.max.bytes', String(o.maxMessageBytes)],
    ['num.partitions', String(o.defaultPartitions)],
    ['offsets.topic.replication.factor', '1'],
    ['socket.request.max.bytes', String(o.maxRequestBytes)],
  ];
  return entries.map(([name, value]) => ({ name, value, source: SOURCE_STATIC_BROKER }));
}

export function handleDescribeConfigs(req: KafkaRequest, ctx: BrokerContext): Buffer {
  const v = req.apiVersion;
  const r = req.body;
  const resources = r.array(
    (x) => ({
      type: x.int8(),
      name: x.string(),
      keys: x.nullableArray((y) => y.string(), 2),
    }),
    7,
  );
  if (v >= 1) r.bool();
  const results = resources.map((res) => {
    let error: number = ErrorCode.NONE;
    let message: string | null = null;
    let configs: ConfigEntry[] = [];
    if (res.type === TOPIC) {
      const topic = ctx.topics.get(res.name);
      if (topic) configs = topicConfigs(ctx, topic.configs);
      else [error, message] = [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${res.name} does not exist`];
    } else if (res.type === BROKER) {
      configs = brokerConfigs(ctx);
    } else {
      [error, message] = [ErrorCode.INVALID_REQUEST, `Unsupported resource type ${res.type}`];
    }
    if (res.keys) configs = configs.filter((c) => res.keys?.includes(c.name));
    return { ...res, error, message, configs };
  });
  const w = new Writer(512);
  w.int32(0);
  w.array(results, (x, res) => {
    x.int16(res.error).nullableString(res.message).int8(res.type).string(res.name);
    x.array(res.configs, (y, c) => {
      y.string(c.name).nullableString(c.value).bool(false);
      if (v === 0) y.bool(c.source === SOURCE_DEFAULT);
      else y.int8(c.source);
      y.bool(false);
      if (v >= 1) y.int32(0);
    });
  });
  return w.result();
}
