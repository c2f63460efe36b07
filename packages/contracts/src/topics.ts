// The topic registry: every Kafka topic the platform uses, its key, sizing, dead-letter twin and event types.
// A breaking payload change never edits a topic here; it adds a `.v2` topic next to the old one.

export interface TopicDefinition {
  name: string;
  description: string;
  /** The payload field whose value is the Kafka message key, so related events stay ordered on one partition. */
  key: string;
  partitions: number;
  retentionMs: number;
  /** The topic that receives messages this topic's consumers could not validate or apply. */
  deadLetter: string;
  /** CloudEvents types published on this topic; must match the events registry (pinned by a test). */
  eventTypes: readonly string[];
  /** Whether the gateway may stream this topic to clients over SSE. */
  watchable: boolean;
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

export function deadLetterTopicOf(topic: string): string {
  return `${topic}.dlq`;
}

function topic(def: Omit<TopicDefinition, 'deadLetter'>): TopicDefinition {
  return { ...def, deadLetter: deadLetterTopicOf(def.name) };
}

export const TOPICS = {
  servers: topic({
    name: 'mcp-host.servers.v1',
    description: 'Server registrations, edits and deletions (owned by policy-engine).',
    key: 'id',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: ['server.registered', 'server.updated', 'server.deleted'],
    watchable: true,
  }),
  buildTelemetry: topic({
    name: 'mcp-host.build.telemetry.v1',
    description:
      'Registry push usage metrics (target registry.push): tag, push, retry, auth health/refresh/rotation, manifest publish and prune.',
    key: 'server_id',
    partitions: 12,
    retentionMs: 7 * DAY_MS,
    eventTypes: ['build.telemetry'],
    watchable: true,
  }),
  buildRuns: topic({
    name: 'mcp-host.build.runs.v1',
    description: 'Build lifecycle: started, progress log lines, succeeded, failed (owned by build-service).',
    key: 'server_id',
    partitions: 12,
    retentionMs: 7 * DAY_MS,
    eventTypes: ['build.started', 'build.progress', 'build.succeeded', 'build.failed'],
    watchable: true,
  }),
  artifactRuns: topic({
    name: 'mcp-host.build.artifacts.v1',
    description:
      'Artifact ledger: one event per build_artifact_runs row with its platforms (owned by build-service).',
    key: 'server_id',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: ['artifact.recorded'],
    watchable: false,
  }),
  evaluations: topic({
    name: 'mcp-host.marketplace.evaluations.v1',
    description:
      'Evaluation certifications upserted, reset for retry, expired, and evaluations requested (owned by marketplace).',
    key: 'artifact_run_id',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: [
      'evaluation.certification.upserted',
      'evaluation.certification.retried',
      'evaluation.certification.expired',
      'evaluation.requested',
    ],
    watchable: false,
  }),
  evaluationRequirements: topic({
    name: 'mcp-host.marketplace.evaluation-requirements.v1',
    description:
      'The policy requirements each tier must be certified for, set or seeded from configuration (owned by marketplace).',
    key: 'tier',
    partitions: 3,
    retentionMs: 365 * DAY_MS,
    eventTypes: ['evaluation.requirements.set'],
    watchable: false,
  }),
  marketplaceCatalog: topic({
    name: 'mcp-host.marketplace.catalog.v1',
    description:
      'Marketplace catalog read model: entries upserted and derived health tiers changed (owned by marketplace).',
    key: 'server_id',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: ['marketplace.entry.upserted', 'marketplace.tier.changed'],
    watchable: true,
  }),
  governanceRuns: topic({
    name: 'mcp-host.governance.runs.v1',
    description:
      'Governance workflows created and workflow runs started, transitioned and completed (owned by governance).',
    key: 'workflow_id',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: [
      'governance.workflow.created',
      'governance.run.started',
      'governance.run.transitioned',
      'governance.run.completed',
    ],
    watchable: true,
  }),
  promotions: topic({
    name: 'mcp-host.governance.promotions.v1',
    description:
      'Release-train promotions scheduled, approved and moved between statuses (owned by governance).',
    key: 'manifest_digest',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: [
      'promotion.scheduled',
      'promotion.approved',
      'promotion.status_changed',
      'promotion.block.changed',
    ],
    watchable: true,
  }),
  promotionTracks: topic({
    name: 'mcp-host.governance.tracks.v1',
    description:
      'Release-train promotion tracks created: stages, owner, workflows and approval rules (owned by governance).',
    key: 'track_id',
    partitions: 3,
    retentionMs: 30 * DAY_MS,
    eventTypes: ['promotion.track.created'],
    watchable: true,
  }),
  policyDecisions: topic({
    name: 'mcp-host.policy.decisions.v1',
    description:
      'Runtime placement decisions as persisted in runtime_policy_decisions (owned by policy-engine).',
    key: 'server_id',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: ['policy.decision.recorded'],
    watchable: true,
  }),
  runtimeLifecycle: topic({
    name: 'mcp-host.runtime.lifecycle.v1',
    description:
      'RuntimeOrchestrator launches (requested, started, paused pending governance, failed), stops and server status changes.',
    key: 'server_id',
    partitions: 6,
    retentionMs: 7 * DAY_MS,
    eventTypes: [
      'runtime.launch.requested',
      'runtime.launch.started',
      'runtime.launch.paused',
      'runtime.launch.failed',
      'runtime.server.stopped',
      'runtime.server.status_changed',
    ],
    watchable: true,
  }),
  vmInstances: topic({
    name: 'mcp-host.runtime.vm.v1',
    description:
      'VM instance lifecycle and attestation events (runtime_vm_instances/runtime_vm_events, owned by policy-engine).',
    key: 'vm_instance_id',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: ['vm.instance.event_recorded'],
    watchable: true,
  }),
  trustRegistry: topic({
    name: 'mcp-host.trust.registry.v1',
    description:
      'Trust registry transitions of VM instances, guarded by a version token (owned by governance).',
    key: 'vm_instance_id',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: ['trust.registry.transitioned'],
    watchable: true,
  }),
  remediation: topic({
    name: 'mcp-host.remediation.runs.v1',
    description:
      'Remediation runs enqueued, approved, moved between statuses, their log lines and artifacts (owned by governance).',
    key: 'run_id',
    partitions: 6,
    retentionMs: 14 * DAY_MS,
    eventTypes: [
      'remediation.run.enqueued',
      'remediation.run.approved',
      'remediation.run.status_changed',
      'remediation.run.log',
      'remediation.artifact.recorded',
      'remediation.action.completed',
    ],
    watchable: true,
  }),
  providerKeys: topic({
    name: 'mcp-host.providers.keys.v1',
    description:
      'Provider BYOK keys registered, rotated, bound and their posture changes (owned by policy-engine).',
    key: 'key_id',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: [
      'provider_key.registered',
      'provider_key.rotated',
      'provider_key.bound',
      'provider_key.posture_changed',
    ],
    watchable: true,
  }),
  lifecycleSnapshots: topic({
    name: 'mcp-host.lifecycle.snapshots.v1',
    description:
      'Lifecycle console snapshots per server: promotion automation, posture verdicts and recent remediation (owned by governance).',
    key: 'server_id',
    partitions: 6,
    retentionMs: 7 * DAY_MS,
    eventTypes: ['lifecycle.snapshot.updated'],
    watchable: true,
  }),
  accessGrants: topic({
    name: 'mcp-host.access.grants.v1',
    description: 'MCP tool grants created and deleted (owned by policy-engine, projected by the gateway).',
    key: 'server_id',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: ['grant.created', 'grant.deleted', 'grant.enabled', 'grant.disabled'],
    watchable: true,
  }),
  mcpAudit: topic({
    name: 'mcp-host.mcp.audit.v1',
    description:
      'One event per tools/call through the gateway MCP door: subject, decision, rule, latency (owned by gateway).',
    key: 'server_id',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: ['mcp.tool.called'],
    watchable: true,
  }),
  mcpTools: topic({
    name: 'mcp-host.mcp.tools.v1',
    description:
      'MCP tool manifests of running servers: discovered, drifted from the certified manifest, drift cleared (owned by policy-engine).',
    key: 'server_id',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: ['server.tools.discovered', 'server.tools.drifted', 'server.tools.drift_cleared'],
    watchable: true,
  }),
  evaluationResults: topic({
    name: 'mcp-host.evaluations.results.v1',
    description:
      'Results of evaluators (the MCP conformance evaluator) for requested evaluations, recorded by the marketplace (owned by policy-engine).',
    key: 'artifact_run_id',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: ['evaluation.result.recorded'],
    watchable: false,
  }),
  accessSessions: topic({
    name: 'mcp-host.access.sessions.v1',
    description:
      'Agent sessions created, revoked and unrevoked (owned by policy-engine, projected by the gateway).',
    key: 'id',
    partitions: 6,
    retentionMs: 30 * DAY_MS,
    eventTypes: ['agent.session.created', 'agent.session.revoked', 'agent.session.unrevoked'],
    watchable: true,
  }),
} as const satisfies Record<string, TopicDefinition>;

export type TopicKey = keyof typeof TOPICS;

// Dead letters outlive their source so an operator has time to inspect and replay them.
function deadLetterTwin(source: TopicDefinition): TopicDefinition {
  return {
    name: source.deadLetter,
    description: `Dead letters of ${source.name}: messages that failed validation or failed repeatedly, with the reason.`,
    key: source.key,
    partitions: source.partitions,
    retentionMs: Math.max(source.retentionMs * 2, 30 * DAY_MS),
    deadLetter: source.deadLetter,
    eventTypes: [],
    watchable: false,
  };
}

export const ALL_TOPICS: readonly TopicDefinition[] = Object.values(TOPICS).flatMap((t: TopicDefinition) => [
  t,
  deadLetterTwin(t),
]);

const TOPICS_BY_NAME = new Map(ALL_TOPICS.map((t) => [t.name, t]));

export function topicByName(name: string): TopicDefinition | undefined {
  return TOPICS_BY_NAME.get(name);
}
