// Which zod schema describes each route's query, body and response, keyed `${method} ${path}` as in ROUTES.
// Feeds the OpenAPI document; a route missing here is still served, only documented with a generic object.
import type { z } from 'zod';
import { artifactRunSchema } from './events/artifact-recorded.event';
import { auditListQuerySchema, auditListResponseSchema } from './audit.schema';
import {
  agentSessionListQuerySchema,
  agentSessionListResponseSchema,
  agentSessionSchema,
  createAgentSessionBodySchema,
  versionedActionBodySchema,
} from './sessions.schema';
import { lifecycleSnapshotSchema } from './events/lifecycle-snapshot-updated.event';
import { policyDecisionSchema } from './events/policy-decision-recorded.event';
import { buildRunSchema, metricSchema, metricsQuerySchema, startBuildBodySchema } from './api/builds.schema';
import {
  deadLetterListQuerySchema,
  deadLetterListResponseSchema,
  redriveDeadLettersBodySchema,
  redriveDeadLettersResponseSchema,
} from './api/dead-letters.schema';
import {
  createTokenBodySchema,
  createTokenResponseSchema,
  statusResponseSchema,
  tokenListQuerySchema,
  tokenListResponseSchema,
  tokenSelfSchema,
} from './api/gateway.schema';
import {
  approvePromotionBodySchema,
  approveRemediationBodySchema,
  createPromotionTrackBodySchema,
  createWorkflowBodySchema,
  enqueueRemediationBodySchema,
  governanceRunsQuerySchema,
  lifecycleQuerySchema,
  promotionHistoryQuerySchema,
  remediationRunsQuerySchema,
  schedulePromotionBodySchema,
  startWorkflowRunBodySchema,
  transitionRunBodySchema,
  trustRegistryQuerySchema,
  trustHistoryQuerySchema,
  trustTransitionBodySchema,
} from './api/governance.schema';
import {
  evaluationCertificationViewSchema,
  evaluationListQuerySchema,
  evaluationListResponseSchema,
  marketplaceCatalogEntrySchema,
  marketplaceListResponseSchema,
  marketplaceQuerySchema,
  retryEvaluationBodySchema,
  setTierRequirementsBodySchema,
  tierRequirementsListResponseSchema,
  upsertEvaluationBodySchema,
} from './api/marketplace.schema';
import { evaluationTierRequirementsSchema } from './events/evaluation-requirements-set.event';
import { pageSchema } from './api/pagination.schema';
import { serverToolsResponseSchema } from './tools.schema';
import {
  approveKeyRotationBodySchema,
  bindProviderKeyBodySchema,
  registerProviderKeyBodySchema,
  rotateProviderKeyBodySchema,
} from './api/provider-keys.schema';
import {
  createServerBodySchema,
  serverListQuerySchema,
  serverListResponseSchema,
  serverSchema,
  updateServerBodySchema,
} from './api/servers.schema';
import {
  decisionListQuerySchema,
  serverDecisionsQuerySchema,
  serverLogsQuerySchema,
  serverLogsResponseSchema,
  startServerBodySchema,
  startServerResponseSchema,
  stopServerBodySchema,
  stopServerResponseSchema,
} from './api/runtime.schema';
import type { RouteDefinition } from './routes';
import {
  createGrantBodySchema,
  deleteGrantQuerySchema,
  grantListQuerySchema,
  grantListResponseSchema,
  grantSchema,
} from './api/grants.schema';

export interface RouteSchemas {
  query?: z.ZodType;
  body?: z.ZodType;
  response?: z.ZodType;
  /** Success status; defaults to 201 for POST, 204 for DELETE, 200 otherwise. */
  status?: number;
}

export function routeKey(route: Pick<RouteDefinition, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

export const ROUTE_SCHEMAS: Readonly<Record<string, RouteSchemas>> = {
  'GET /api/status': { response: statusResponseSchema },
  'GET /api/tokens/me': { response: tokenSelfSchema },
  'GET /api/tokens': { query: tokenListQuerySchema, response: tokenListResponseSchema },
  'POST /api/tokens': { body: createTokenBodySchema, response: createTokenResponseSchema },
  'GET /api/admin/dead-letters': { query: deadLetterListQuerySchema, response: deadLetterListResponseSchema },
  'POST /api/admin/dead-letters/redrive': {
    body: redriveDeadLettersBodySchema,
    response: redriveDeadLettersResponseSchema,
  },

  'GET /api/servers': { query: serverListQuerySchema, response: serverListResponseSchema },
  'POST /api/servers': { body: createServerBodySchema, response: serverSchema },
  'GET /api/servers/:id': { response: serverSchema },
  'PATCH /api/servers/:id': { body: updateServerBodySchema, response: serverSchema },
  'GET /api/servers/:id/decisions': {
    query: serverDecisionsQuerySchema,
    response: pageSchema(policyDecisionSchema),
  },
  'POST /api/servers/:id/start': {
    body: startServerBodySchema,
    response: startServerResponseSchema,
    status: 202,
  },
  'POST /api/servers/:id/stop': { body: stopServerBodySchema, response: stopServerResponseSchema, status: 200 },
  'GET /api/servers/:id/logs': { query: serverLogsQuerySchema, response: serverLogsResponseSchema },

  'POST /api/servers/:id/builds': { body: startBuildBodySchema, response: buildRunSchema, status: 202 },
  'GET /api/servers/:id/builds': { response: pageSchema(buildRunSchema) },
  'GET /api/builds/:id': { response: buildRunSchema },
  'GET /api/artifacts/:id': { response: artifactRunSchema },
  'GET /api/servers/:id/artifacts': { response: pageSchema(artifactRunSchema) },
  'GET /api/servers/:id/metrics': { query: metricsQuerySchema, response: pageSchema(metricSchema) },

  'GET /api/marketplace': { query: marketplaceQuerySchema, response: marketplaceListResponseSchema },
  'GET /api/marketplace/:id': { response: marketplaceCatalogEntrySchema },
  'GET /api/artifacts/:id/evaluations': {
    query: evaluationListQuerySchema.omit({ artifact_run_id: true }),
    response: evaluationListResponseSchema,
  },
  'POST /api/artifacts/:id/evaluations': {
    body: upsertEvaluationBodySchema,
    response: evaluationCertificationViewSchema,
    status: 200,
  },
  'GET /api/evaluations': { query: evaluationListQuerySchema, response: evaluationListResponseSchema },
  'GET /api/evaluations/:id': { response: evaluationCertificationViewSchema },
  'POST /api/evaluations/:id/retry': {
    body: retryEvaluationBodySchema,
    response: evaluationCertificationViewSchema,
    status: 200,
  },
  'GET /api/evaluations/requirements': { response: tierRequirementsListResponseSchema },
  'GET /api/evaluations/requirements/:tier': { response: evaluationTierRequirementsSchema },
  'PUT /api/evaluations/requirements/:tier': {
    body: setTierRequirementsBodySchema,
    response: evaluationTierRequirementsSchema,
  },

  'GET /api/policy/decisions': { query: decisionListQuerySchema, response: pageSchema(policyDecisionSchema) },
  'GET /api/policy/decisions/:id': { response: policyDecisionSchema },

  'POST /api/providers/:providerId/keys': { body: registerProviderKeyBodySchema },
  'POST /api/providers/:providerId/keys/:keyId/rotate': { body: rotateProviderKeyBodySchema, status: 200 },
  'POST /api/providers/:providerId/keys/:keyId/rotation/approve': {
    body: approveKeyRotationBodySchema,
    status: 200,
  },
  'POST /api/providers/:providerId/keys/:keyId/bindings': { body: bindProviderKeyBodySchema },

  'POST /api/governance/workflows': { body: createWorkflowBodySchema },
  'POST /api/governance/workflows/:id/runs': { body: startWorkflowRunBodySchema },
  'GET /api/governance/runs': { query: governanceRunsQuerySchema },
  'POST /api/governance/runs/:id/status': { body: transitionRunBodySchema, status: 200 },

  'POST /api/promotions/tracks': { body: createPromotionTrackBodySchema },
  'POST /api/promotions/schedule': { body: schedulePromotionBodySchema },
  'POST /api/promotions/:id/approve': { body: approvePromotionBodySchema, status: 200 },
  'GET /api/promotions/history': { query: promotionHistoryQuerySchema },

  'GET /api/trust/registry': { query: trustRegistryQuerySchema },
  'GET /api/trust/registry/:id/history': { query: trustHistoryQuerySchema },
  'POST /api/trust/registry/:id/transition': { body: trustTransitionBodySchema, status: 200 },

  'GET /api/remediation/runs': { query: remediationRunsQuerySchema },
  'POST /api/remediation/runs': { body: enqueueRemediationBodySchema },
  'POST /api/remediation/runs/:id/approve': { body: approveRemediationBodySchema, status: 200 },

  'GET /api/lifecycle': { query: lifecycleQuerySchema, response: pageSchema(lifecycleSnapshotSchema) },

  'GET /api/grants': { query: grantListQuerySchema, response: grantListResponseSchema },
  'POST /api/grants': { body: createGrantBodySchema, response: grantSchema },
  'GET /api/grants/:id': { response: grantSchema },
  'DELETE /api/grants/:id': { query: deleteGrantQuerySchema },

  'GET /api/servers/:id/tools': { response: serverToolsResponseSchema },

  'GET /api/audit': { query: auditListQuerySchema, response: auditListResponseSchema },

  'POST /api/grants/:id/enable': { body: versionedActionBodySchema, response: grantSchema, status: 200 },
  'POST /api/grants/:id/disable': { body: versionedActionBodySchema, response: grantSchema, status: 200 },
  'GET /api/sessions': { query: agentSessionListQuerySchema, response: agentSessionListResponseSchema },
  'POST /api/sessions': { body: createAgentSessionBodySchema, response: agentSessionSchema },
  'GET /api/sessions/:id': { response: agentSessionSchema },
  'POST /api/sessions/:id/revoke': {
    body: versionedActionBodySchema,
    response: agentSessionSchema,
    status: 200,
  },
  'POST /api/sessions/:id/unrevoke': {
    body: versionedActionBodySchema,
    response: agentSessionSchema,
    status: 200,
  },
};
