// Routes a request to its handler by API key; the switch is exhaustive over the supported APIs.
import type { BrokerContext } from '../broker/broker-context';
import { ApiKey, ApiKeyValue } from '../protocol/api-keys';
import type { HandlerResult, KafkaRequest } from '../server/request';
import { handleApiVersions } from './api-versions.handler';
import { handleCreatePartitions } from './create-partitions.handler';
import { handleCreateTopics } from './create-topics.handler';
import { handleDeleteGroups } from './delete-groups.handler';
import { handleDeleteTopics } from './delete-topics.handler';
import { handleDescribeConfigs } from './describe-configs.handler';
import { handleDescribeGroups } from './describe-groups.handler';
import { handleFetch } from './fetch.handler';
import { handleFindCoordinator } from './find-coordinator.handler';
import { handleHeartbeat } from './heartbeat.handler';
import { handleInitProducerId } from './init-producer-id.handler';
import { handleJoinGroup } from './join-group.handler';
import { handleLeaveGroup } from './leave-group.handler';
import { handleListGroups } from './list-groups.handler';
import { handleListOffsets } from './list-offsets.handler';
import { handleMetadata } from './metadata.handler';
import { handleOffsetCommit } from './offset-commit.handler';
import { handleOffsetFetch } from './offset-fetch.handler';
import { handleProduce } from './produce.handler';
import { handleSyncGroup } from './sync-group.handler';

export function dispatch(req: KafkaRequest, ctx: BrokerContext): HandlerResult {
  const key = req.apiKey as ApiKeyValue;
  switch (key) {
    case ApiKey.Produce:
      return handleProduce(req, ctx);
    case ApiKey.Fetch:
      return handleFetch(req, ctx);
    case ApiKey.ListOffsets:
      return handleListOffsets(req, ctx);
    case ApiKey.Metadata:
      return handleMetadata(req, ctx);
    case ApiKey.OffsetCommit:
      return handleOffsetCommit(req, ctx);
    case ApiKey.OffsetFetch:
      return handleOffsetFetch(req, ctx);
    case ApiKey.FindCoordinator:
      return handleFindCoordinator(req, ctx);
    case ApiKey.JoinGroup:
      return handleJoinGroup(req, ctx);
    case ApiKey.Heartbeat:
      return handleHeartbeat(req, ctx);
    case ApiKey.LeaveGroup:
      return handleLeaveGroup(req, ctx);
    case ApiKey.SyncGroup:
      return handleSyncGroup(req, ctx);
    case ApiKey.DescribeGroups:
      return handleDescribeGroups(req, ctx);
    case ApiKey.ListGroups:
      return handleListGroups(req, ctx);
    case ApiKey.ApiVersions:
      return handleApiVersions(req);
    case ApiKey.CreateTopics:
      return handleCreateTopics(req, ctx);
    case ApiKey.DeleteTopics:
      return handleDeleteTopics(req, ctx);
    case ApiKey.InitProducerId:
      return handleInitProducerId(req, ctx);
    case ApiKey.DescribeConfigs:
      return handleDescribeConfigs(req, ctx);
    case ApiKey.CreatePartitions:
      return handleCreatePartitions(req, ctx);
    case ApiKey.DeleteGroups:
      return handleDeleteGroups(req, ctx);
  }
}
