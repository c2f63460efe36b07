// REST bodies and answers of provider BYOK keys (policy-engine); the CLI hashes the attestation bundle locally.
import { z } from 'zod';
import { digestSchema } from '../common.schema';
import { boundedJsonObjectSchema, multilineText, text } from '../input.schema';
import { timestampSchema } from '../common.schema';
import { cursorQuerySchema, limitQuerySchema, pageSchema } from './pagination.schema';

const base64Schema = z.base64().max(1024 * 1024);

/** A provider id in a path: `openai`, `anthropic`, `azure-openai` … */
export const PROVIDER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const providerIdSchema = text('name').regex(PROVIDER_ID_PATTERN, 'expected a provider id');

/** The posture of a key, computed against the clock from its state and rotation deadline. */
export const PROVIDER_KEY_POSTURES = [
  'active',
  'rotation_due_soon',
  'rotation_overdue',
  'rotating',
  'revoked',
] as const;
export const providerKeyPostureSchema = z.enum(PROVIDER_KEY_POSTURES);
export type ProviderKeyPosture = z.infer<typeof providerKeyPostureSchema>;

export const PROVIDER_KEY_BINDING_TYPES = ['workspace', 'runtime', 'server'] as const;
export const providerKeyBindingTypeSchema = z.enum(PROVIDER_KEY_BINDING_TYPES);

export const registerProviderKeyBodySchema = z.object({
  alias: text('label').optional(),
  /** `sha256:<hex>` of the attestation bundle. */
  attestation_digest: digestSchema,
  /** The attestation bundle, base64-encoded, forwarded as the signature. */
  attestation_signature: base64Schema,
  rotation_due: timestampSchema.optional(),
  /** The provider credential itself; stored encrypted, never returned. */
  secret_material: multilineText(16 * 1024)
    .min(1)
    .optional(),
});
export type RegisterProviderKeyBody = z.infer<typeof registerProviderKeyBodySchema>;

export const rotateProviderKeyBodySchema = z.object({
  attestation_digest: digestSchema,
  attestation_signature: base64Schema,
  /** Operator reference for the audit trail. */
  actor_ref: text('label'),
  rotation_due: timestampSchema.optional(),
  /** The new credential, if it changes with the rotation; stored encrypted, never returned. */
  secret_material: multilineText(16 * 1024)
    .min(1)
    .optional(),
});
export type RotateProviderKeyBody = z.infer<typeof rotateProviderKeyBodySchema>;

export const approveKeyRotationBodySchema = z.object({
  note: multilineText().optional(),
  /** Who approves; defaults to the caller's subject. Must differ from the rotation's requester. */
  actor_ref: text('label').optional(),
});
export type ApproveKeyRotationBody = z.infer<typeof approveKeyRotationBodySchema>;

export const bindProviderKeyBodySchema = z.object({
  binding_type: providerKeyBindingTypeSchema,
  binding_target: text('label'),
  context: boundedJsonObjectSchema.optional(),
});
export type BindProviderKeyBody = z.infer<typeof bindProviderKeyBodySchema>;

/** A key's posture record as the API answers it; the secret material never appears. */
export const providerKeySchema = z.object({
  id: z.string(),
  provider_id: z.string(),
  alias: z.string().nullable(),
  posture: providerKeyPostureSchema,
  attestation_digest: digestSchema,
  signature_verified: z.boolean(),
  rotation_due: timestampSchema.nullable(),
  has_secret: z.boolean(),
  pending_rotation: z
    .object({
      attestation_digest: digestSchema,
      requested_by: z.string(),
      rotation_due: timestampSchema.nullable(),
      requested_at: timestampSchema,
    })
    .nullable(),
  vetoed: z.boolean(),
  version: z.int(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
});
export type ProviderKey = z.infer<typeof providerKeySchema>;

export const providerKeyBindingSchema = z.object({
  id: z.string(),
  key_id: z.string(),
  provider_id: z.string(),
  binding_type: providerKeyBindingTypeSchema,
  binding_target: z.string(),
  context: z.record(z.string(), z.unknown()),
  created_at: timestampSchema,
});
export type ProviderKeyBinding = z.infer<typeof providerKeyBindingSchema>;

/** `GET .../keys` and `GET .../keys/:keyId/bindings`: keyset pages in creation order. */
export const providerKeyListQuerySchema = z.object({ limit: limitQuerySchema, cursor: cursorQuerySchema });
export type ProviderKeyListQuery = z.infer<typeof providerKeyListQuerySchema>;

export const providerKeyListResponseSchema = pageSchema(providerKeySchema);
export const providerKeyBindingListResponseSchema = pageSchema(providerKeyBindingSchema);
