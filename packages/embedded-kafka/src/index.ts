// Public entry point of the embedded Kafka broker.
export { startEmbeddedKafka } from './broker/embedded-kafka';
export type { EmbeddedKafka, EmbeddedKafkaStats } from './broker/embedded-kafka';
export type { EmbeddedKafkaOptions, FsyncPolicy, BrokerLogger } from './broker/broker-options';
export { SUPPORTED_APIS } from './protocol/api-keys';
