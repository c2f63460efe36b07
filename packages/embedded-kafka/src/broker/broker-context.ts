// Everything request handlers share: options, topics, groups, committed offsets and the advertised address.
import type { ResolvedOptions } from './broker-options';
import type { TopicRegistry } from '../log/topic-registry';
import type { GroupCoordinator } from '../group/group-coordinator';
import type { OffsetStore } from '../group/offset-store';

export interface BrokerContext {
  readonly opts: ResolvedOptions;
  readonly topics: TopicRegistry;
  readonly groups: GroupCoordinator;
  readonly offsets: OffsetStore;
  /** The host and port clients are told to connect to: the bound ones. */
  advertisedHost: string;
  advertisedPort: number;
  nextProducerId(): number;
  /** The host to advertise to one connection: the bound host, or for a wildcard bind the address it reached. */
  hostFor(localAddress: string): string;
  /** Cancels pending long-poll fetches at shutdown. */
  readonly pendingFetches: Set<() => void>;
}
