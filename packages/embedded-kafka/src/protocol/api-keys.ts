// API keys and the version ranges this broker implements; ApiVersions advertises exactly this table.
export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  InitProducerId: 22,
  DescribeConfigs: 32,
  CreatePartitions: 37,
  DeleteGroups: 42,
} as const;

export type ApiKeyValue = (typeof ApiKey)[keyof typeof ApiKey];

export interface ApiRange {
  readonly key: ApiKeyValue;
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** First version using the flexible (tagged-field) encoding; only ApiVersions goes that far here. */
  readonly flexibleFrom: number;
}

export const SUPPORTED_APIS: readonly ApiRange[] = [
  { key: ApiKey.Produce, name: 'Produce', min: 3, max: 8, flexibleFrom: 9 },
  { key: ApiKey.Fetch, name: 'Fetch', min: 4, max: 11, flexibleFrom: 12 },
  { key: ApiKey.ListOffsets, name: 'ListOffsets', min: 1, max: 5, flexibleFrom: 6 },
  { key: ApiKey.Metadata, name: 'Metadata', min: 0, max: 8, flexibleFrom: 9 },
  { key: ApiKey.OffsetCommit, name: 'OffsetCommit', min: 0, max: 7, flexibleFrom: 8 },
  { key: ApiKey.OffsetFetch, name: 'OffsetFetch', min: 0, max: 5, flexibleFrom: 6 },
  { key: ApiKey.FindCoordinator, name: 'FindCoordinator', min: 0, max: 2, flexibleFrom: 3 },
  { key: ApiKey.JoinGroup, name: 'JoinGroup', min: 0, max: 5, flexibleFrom: 6 },
  { key: ApiKey.Heartbeat, name: 'Heartbeat', min: 0, max: 3, flexibleFrom: 4 },
  { key: ApiKey.LeaveGroup, name: 'LeaveGroup', min: 0, max: 3, flexibleFrom: 4 },
  { key: ApiKey.SyncGroup, name: 'SyncGroup', min: 0, max: 3, flexibleFrom: 4 },
  { key: ApiKey.DescribeGroups, name: 'DescribeGroups', min: 0, max: 4, flexibleFrom: 5 },
  { key: ApiKey.ListGroups, name: 'ListGroups', min: 0, max: 2, flexibleFrom: 3 },
  { key: ApiKey.ApiVersions, name: 'ApiVersions', min: 0, max: 3, flexibleFrom: 3 },
  { key: ApiKey.CreateTopics, name: 'CreateTopics', min: 0, max: 4, flexibleFrom: 5 },
  { key: ApiKey.DeleteTopics, name: 'DeleteTopics', min: 0, max: 3, flexibleFrom: 4 },
  { key: ApiKey.InitProducerId, name: 'InitProducerId', min: 0, max: 1, flexibleFrom: 2 },
  { key: ApiKey.DescribeConfigs, name: 'DescribeConfigs', min: 0, max: 2, flexibleFrom: 4 },
  { key: ApiKey.CreatePartitions, name: 'CreatePartitions', min: 0, max: 1, flexibleFrom: 2 },
  { key: ApiKey.DeleteGroups, name: 'DeleteGroups', min: 0, max: 1, flexibleFrom: 2 },
];

export function findApi(key: number): ApiRange | undefined {
  return SUPPORTED_APIS.find((a) => a.key === key);
}
