// Helpers for integration tests: a fresh database per file, a broker per suite, and polling.
export { createTestDatabase, type TestDatabase } from '../database/test-database';
export { startTestKafka, type TestKafka } from './test-kafka';
export { waitFor } from './wait-for';
export { collectEvents, type CollectedEvent, type EventCollector } from './collect-events';
export { publishTestEvent } from './publish-event';
export { SseClient, type SseEvent } from './sse-client';
export { freePort } from './free-port';
export { TcpFaultProxy } from './tcp-fault-proxy';
