// `GET /api/servers/:id/intelligence`: capability intelligence scores, a status and recent anomaly notes, computed
// by the policy engine from signals it projects (builds, push retries, credential health, certifications, runtime,
// remediation runs).
import { z } from 'zod';
import { timestampSchema } from '../common.schema';

export const INTELLIGENCE_SIGNALS = [
  'build_succeeded',
  'build_failed',
  'push_retry',
  'credential_healthy',
  'credential_unhealthy',
  'certification_pass',
  'certification_fail',
  'runtime_restart',
  'runtime_unhealthy',
  'remediation_enqueued',
  'remediation_succeeded',
  'remediation_failed',
  'remediation_sla_breached',
] as const;
export const intelligenceSignalSchema = z.enum(INTELLIGENCE_SIGNALS);
export type IntelligenceSignal = z.infer<typeof intelligenceSignalSchema>;

export const INTELLIGENCE_STATUSES = ['unknown', 'healthy', 'degraded', 'at_risk'] as const;

export const intelligenceAnomalySchema = z.object({
  signal: intelligenceSignalSchema,
  /** Observations in the hour before `detected_at`. */
  last_hour: z.int(),
  /** Mean hourly observations over the 23 hours before that hour. */
  baseline_per_hour: z.number(),
  note: z.string(),
  detected_at: timestampSchema,
});
export type IntelligenceAnomaly = z.infer<typeof intelligenceAnomalySchema>;

const score = z.number().min(0).max(100).nullable();

export const serverIntelligenceSchema = z.object({
  server_id: z.string(),
  status: z.enum(INTELLIGENCE_STATUSES),
  /** Mean of the known scores below, 0–100; null when no signal was seen. */
  overall_score: score,
  scores: z.object({
    build_success: score,
    push_reliability: score,
    credential_health: score,
    certification: score,
    runtime_stability: score,
    /** Remediation runs of the server that succeeded among those finished, less 10 per SLA breach. */
    remediation: score.optional(),
  }),
  signals: z.record(z.string(), z.int()),
  anomalies: z.array(intelligenceAnomalySchema),
  updated_at: timestampSchema.nullable(),
});
export type ServerIntelligence = z.infer<typeof serverIntelligenceSchema>;
