// REST bodies of provider BYOK keys (policy-engine); the CLI hashes the attestation bundle locally.
import { z } from 'zod';
import { digestSchema, jsonObjectSchema, timestampSchema } from '../common.schema';

const base64Schema = z.base64();

export const registerProviderKeyBodySchema = z.object({
  alias: z.string().min(1).max(128).optional(),
  /** `sha256:<hex>` of the attestation bundle. */
  attestation_digest: digestSchema,
  /** The attestation bundle, base64-encoded, forwarded as the signature. */
  attestation_signature: base64Schema,
  rotation_due: timestampSchema.optional(),
});
export type RegisterProviderKeyBody = z.infer<typeof registerProviderKeyBodySchema>;

export const rotateProviderKeyBodySchema = z.object({
  attestation_digest: digestSchema,
  attestation_signature: base64Schema,
  /** Operator reference for the audit trail. */
  actor_ref: z.string().min(1),
  rotation_due: timestampSchema.optional(),
});
export type RotateProviderKeyBody = z.infer<typeof rotateProviderKeyBodySchema>;

export const approveKeyRotationBodySchema = z.object({ note: z.string().optional() });
export type ApproveKeyRotationBody = z.infer<typeof approveKeyRotationBodySchema>;

export const bindProviderKeyBodySchema = z.object({
  binding_type: z.string().min(1),
  binding_target: z.string().min(1),
  context: jsonObjectSchema.optional(),
});
export type BindProviderKeyBody = z.infer<typeof bindProviderKeyBodySchema>;
