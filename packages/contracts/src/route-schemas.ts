// Which zod schema describes each route's query, body and response, keyed `${method} ${path}` as in ROUTES.
// Feeds the OpenAPI document; a route missing here is still served, only documented with a generic object.
import type { z } from 'zod';
import { artifactRunSchema } from './events/artifact-recorded.event';
import { evaluationCertificationSchema } from './events/evaluation-certification.schema';
import { lifecycleSnapshotSchema } from './events/lifecycle-snapshot-updated.event';
import { policyDecisionSchema } from './events/policy-decision-recorded.event';
import { buildRunSchema, metricSchema, metricsQuerySchema, startBuildBodySchema } from './api/builds.schema';
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
  trustTransitionBodySchema,
} from './api/governance.schema';
import {
  marketplaceCatalogEntrySchema,
  marketplaceListResponseSchema,
  marketplaceQuerySchema,
  upsertEvaluationBodySchema,
} from './api/marketplace.schema';
import { pageSchema } from './api/pagination.schema';
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
import type { RouteDefinition } from './routes';

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

  'GET /api/servers': { query: serverListQuerySchema, response: serverListResponseSchema },
  'POST /api/servers': { body: createServerBodySchema, response: serverSchema },
  'GET /api/servers/:id': { response: serverSchema },
  'PATCH /api/servers/:id': { body: updateServerBodySchema, response: serverSchema },
  'GET /api/servers/:id/decisions': { response: pageSchema(policyDecisionSchema) },

  'POST /api/servers/:id/builds': { body: startBuildBodySchema, response: buildRunSchema, status: 202 },
  'GET /api/servers/:id/builds': { response: pageSchema(buildRunSchema) },
  'GET /api/builds/:id': { response: buildRunSchema },
  'GET /api/artifacts/:id': { response: artifactRunSchema },
  'GET /api/servers/:id/artifacts': { response: pageSchema(artifactRunSchema) },
  'GET /api/servers/:id/metrics': { query: metricsQuerySchema, response: pageSchema(metricSchema) },

  'GET /api/marketplace': { query: marketplaceQuerySchema, response: marketplaceListResponseSchema },
  'GET /api/marketplace/:id': { response: marketplaceCatalogEntrySchema },
  'GET /api/artifacts/:id/evaluations': { response: pageSchema(evaluationCertificationSchema) },
  'POST /api/artifacts/:id/evaluations': {
    body: upsertEvaluationBodySchema,
    response: evaluationCertificationSchema,
    status: 200,
  },
  'GET /api/evaluations': { response: pageSchema(evaluationCertificationSchema) },
  'GET /api/evaluations/:id': { response: evaluationCertificationSchema },
  'POST /api/evaluations/:id/retry': { response: evaluationCertificationSchema, status: 200 },

  'GET /api/policy/decisions': { response: pageSchema(policyDecisionSchema) },
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
  'POST /api/trust/registry/:id/transition': { body: trustTransitionBodySchema, status: 200 },

  'GET /api/remediation/runs': { query: remediationRunsQuerySchema },
  'POST /api/remediation/runs': { body: enqueueRemediationBodySchema },
  'POST /api/remediation/runs/:id/approve': { body: approveRemediationBodySchema, status: 200 },

  'GET /api/lifecycle': { query: lifecycleQuerySchema, response: pageSchema(lifecycleSnapshotSchema) },
};
