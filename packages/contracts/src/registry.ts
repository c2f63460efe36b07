// The events registry: every event contract keyed by CloudEvents type, and the one validation helper consumers share.
import type { z } from 'zod';
import type { EventDefinition } from './event-definition';
import { artifactRecordedEvent } from './events/artifact-recorded.event';
import { buildFailedEvent } from './events/build-failed.event';
import { buildProgressEvent } from './events/build-progress.event';
import { buildStartedEvent } from './events/build-started.event';
import { buildSucceededEvent } from './events/build-succeeded.event';
import { buildTelemetryEvent } from './events/build-telemetry.event';
import { evaluationCertificationRetriedEvent } from './events/evaluation-certification-retried.event';
import { evaluationCertificationUpsertedEvent } from './events/evaluation-certification-upserted.event';
import { evaluationCertificationExpiredEvent } from './events/evaluation-certification-expired.event';
import { evaluationRequestedEvent } from './events/evaluation-requested.event';
import { evaluationRequirementsSetEvent } from './events/evaluation-requirements-set.event';
import { governanceRunCompletedEvent } from './events/governance-run-completed.event';
import { governanceRunStartedEvent } from './events/governance-run-started.event';
import { governanceRunTransitionedEvent } from './events/governance-run-transitioned.event';
import { governanceWorkflowCreatedEvent } from './events/governance-workflow-created.event';
import { lifecycleSnapshotUpdatedEvent } from './events/lifecycle-snapshot-updated.event';
import { grantCreatedEvent } from './events/grant-created.event';
import { grantDeletedEvent } from './events/grant-deleted.event';
import {
  agentSessionCreatedEvent,
  agentSessionRevokedEvent,
  agentSessionUnrevokedEvent,
  grantDisabledEvent,
  grantEnabledEvent,
} from './sessions.schema';
import { mcpToolCalledEvent } from './events/mcp-tool-called.event';
import { marketplaceEntryUpsertedEvent } from './events/marketplace-entry-upserted.event';
import { marketplaceTierChangedEvent } from './events/marketplace-tier-changed.event';
import { policyDecisionRecordedEvent } from './events/policy-decision-recorded.event';
import { promotionApprovedEvent } from './events/promotion-approved.event';
import { promotionBlockChangedEvent } from './events/promotion-block-changed.event';
import { promotionScheduledEvent } from './events/promotion-scheduled.event';
import { promotionStatusChangedEvent } from './events/promotion-status-changed.event';
import { promotionTrackCreatedEvent } from './events/promotion-track-created.event';
import { providerKeyBoundEvent } from './events/provider-key-bound.event';
import { providerKeyPostureChangedEvent } from './events/provider-key-posture-changed.event';
import { providerKeyRegisteredEvent } from './events/provider-key-registered.event';
import { providerKeyRotatedEvent } from './events/provider-key-rotated.event';
import { remediationArtifactRecordedEvent } from './events/remediation-artifact-recorded.event';
import { remediationActionCompletedEvent } from './events/remediation-action-completed.event';
import { remediationRunApprovedEvent } from './events/remediation-run-approved.event';
import { remediationRunEnqueuedEvent } from './events/remediation-run-enqueued.event';
import { remediationRunLogEvent } from './events/remediation-run-log.event';
import { remediationRunStatusChangedEvent } from './events/remediation-run-status-changed.event';
import { runtimeLaunchFailedEvent } from './events/runtime-launch-failed.event';
import { runtimeLaunchPausedEvent } from './events/runtime-launch-paused.event';
import { runtimeLaunchRequestedEvent } from './events/runtime-launch-requested.event';
import { runtimeLaunchStartedEvent } from './events/runtime-launch-started.event';
import { runtimeServerStatusChangedEvent } from './events/runtime-server-status-changed.event';
import { runtimeServerStoppedEvent } from './events/runtime-server-stopped.event';
import { serverDeletedEvent } from './events/server-deleted.event';
import { serverRegisteredEvent } from './events/server-registered.event';
import { serverUpdatedEvent } from './events/server-updated.event';
import { trustRegistryTransitionedEvent } from './events/trust-registry-transitioned.event';
import { vmInstanceEventRecordedEvent } from './events/vm-instance-event-recorded.event';
import { formatZodIssues } from './format-issues';
import {
  evaluationResultRecordedEvent,
  serverToolsDiscoveredEvent,
  serverToolsDriftClearedEvent,
  serverToolsDriftedEvent,
} from './tools.schema';

export { defineEvent } from './event-definition';
export type { EventDefinition } from './event-definition';

// Grouped by topic, in the order of TOPICS; the key is the CloudEvents type so TS infers each payload.
export const EVENTS = {
  'server.registered': serverRegisteredEvent,
  'server.updated': serverUpdatedEvent,
  'server.deleted': serverDeletedEvent,
  'build.telemetry': buildTelemetryEvent,
  'build.started': buildStartedEvent,
  'build.progress': buildProgressEvent,
  'build.succeeded': buildSucceededEvent,
  'build.failed': buildFailedEvent,
  'artifact.recorded': artifactRecordedEvent,
  'evaluation.certification.upserted': evaluationCertificationUpsertedEvent,
  'evaluation.certification.retried': evaluationCertificationRetriedEvent,
  'marketplace.entry.upserted': marketplaceEntryUpsertedEvent,
  'evaluation.certification.expired': evaluationCertificationExpiredEvent,
  'evaluation.requested': evaluationRequestedEvent,
  'evaluation.requirements.set': evaluationRequirementsSetEvent,
  'marketplace.tier.changed': marketplaceTierChangedEvent,
  'governance.workflow.created': governanceWorkflowCreatedEvent,
  'governance.run.started': governanceRunStartedEvent,
  'governance.run.transitioned': governanceRunTransitionedEvent,
  'governance.run.completed': governanceRunCompletedEvent,
  'promotion.scheduled': promotionScheduledEvent,
  'promotion.approved': promotionApprovedEvent,
  'promotion.status_changed': promotionStatusChangedEvent,
  'promotion.block.changed': promotionBlockChangedEvent,
  'promotion.track.created': promotionTrackCreatedEvent,
  'policy.decision.recorded': policyDecisionRecordedEvent,
  'runtime.launch.requested': runtimeLaunchRequestedEvent,
  'runtime.launch.started': runtimeLaunchStartedEvent,
  'runtime.launch.paused': runtimeLaunchPausedEvent,
  'runtime.launch.failed': runtimeLaunchFailedEvent,
  'runtime.server.stopped': runtimeServerStoppedEvent,
  'runtime.server.status_changed': runtimeServerStatusChangedEvent,
  'vm.instance.event_recorded': vmInstanceEventRecordedEvent,
  'trust.registry.transitioned': trustRegistryTransitionedEvent,
  'remediation.run.enqueued': remediationRunEnqueuedEvent,
  'remediation.run.approved': remediationRunApprovedEvent,
  'remediation.run.status_changed': remediationRunStatusChangedEvent,
  'remediation.run.log': remediationRunLogEvent,
  'remediation.artifact.recorded': remediationArtifactRecordedEvent,
  'remediation.action.completed': remediationActionCompletedEvent,
  'provider_key.registered': providerKeyRegisteredEvent,
  'provider_key.rotated': providerKeyRotatedEvent,
  'provider_key.bound': providerKeyBoundEvent,
  'provider_key.posture_changed': providerKeyPostureChangedEvent,
  'lifecycle.snapshot.updated': lifecycleSnapshotUpdatedEvent,
  'grant.created': grantCreatedEvent,
  'grant.deleted': grantDeletedEvent,
  'mcp.tool.called': mcpToolCalledEvent,
  'server.tools.discovered': serverToolsDiscoveredEvent,
  'server.tools.drifted': serverToolsDriftedEvent,
  'server.tools.drift_cleared': serverToolsDriftClearedEvent,
  'evaluation.result.recorded': evaluationResultRecordedEvent,
  'grant.enabled': grantEnabledEvent,
  'grant.disabled': grantDisabledEvent,
  'agent.session.created': agentSessionCreatedEvent,
  'agent.session.revoked': agentSessionRevokedEvent,
  'agent.session.unrevoked': agentSessionUnrevokedEvent,
} as const;

export type EventType = keyof typeof EVENTS;
export type EventPayload<T extends EventType> = z.infer<(typeof EVENTS)[T]['schema']>;

export const EVENT_TYPES = Object.keys(EVENTS) as EventType[];

/** True when `type` names a registered event; `Object.hasOwn` so `constructor` or `__proto__` never match. */
export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENTS, type);
}

export function eventDefinition(type: string): EventDefinition | undefined {
  return isEventType(type) ? EVENTS[type] : undefined;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * The shared validation helper: every consumer parses every message through it and sends `reason` to the
 * dead-letter topic on failure instead of retrying. Unknown keys are stripped, so producers may add fields.
 */
export function parseEvent<T extends EventType>(type: T, payload: unknown): ParseResult<EventPayload<T>> {
  // Guards callers that pass an unchecked header value cast to EventType.
  if (!isEventType(type)) return { ok: false, reason: `unknown event type: ${String(type)}` };
  const definition: EventDefinition = EVENTS[type];
  const result = definition.schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data as EventPayload<T> };
  return { ok: false, reason: `${type}: ${formatZodIssues(result.error.issues)}` };
}
