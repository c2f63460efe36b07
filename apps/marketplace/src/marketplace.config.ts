// The marketplace's own configuration variables, merged over the kit's.
import { z } from 'zod';
import { envInt } from '@mcp-host/platform';

/** `gold=security-scan+conformance;silver=security-scan` → { gold: [...], silver: [...] }. */
export function parseTierRequirements(raw: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of raw.split(';')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new Error(`"${trimmed}" is not TIER=REQ+REQ`);
    const tier = trimmed.slice(0, eq).trim();
    const requirements = trimmed
      .slice(eq + 1)
      .split('+')
      .map((r) => r.trim())
      .filter(Boolean);
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(tier)) throw new Error(`"${tier}" is not a tier name`);
    out[tier] = [...new Set(requirements)];
  }
  return out;
}

export const marketplaceConfigShape = {
  EVALUATION_TIER_REQUIREMENTS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      try {
        return parseTierRequirements(raw ?? '');
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `must be TIER=REQ+REQ;... (${(err as Error).message})` });
        return z.NEVER;
      }
    })
    .describe(
      'Policy requirements seeded per tier at start, e.g. gold=security-scan+conformance;silver=security-scan. Only tiers not yet set are seeded; later changes go through PUT /api/evaluations/requirements/:tier.',
    ),
  EVALUATION_EXPIRY_SWEEP_MS: envInt(5000, 0, 3_600_000).describe(
    'How often certifications past valid_until are marked and announced as expired; 0 turns the sweep off.',
  ),
};

export interface MarketplaceConfig {
  EVALUATION_TIER_REQUIREMENTS: Record<string, string[]>;
  EVALUATION_EXPIRY_SWEEP_MS: number;
}
