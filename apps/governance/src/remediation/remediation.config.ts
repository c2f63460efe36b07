// Remediation configuration: the playbooks seeded at start, the SLA sweep's interval and the webhook executor's
// signing secret, target rules, timeout and retries.
import { z } from 'zod';
import { REMEDIATION_EXECUTORS } from '@mcp-host/contracts';
import { envBoolean, envInt, envList } from '@mcp-host/platform';

export { REMEDIATION_EXECUTORS };

function isHttpUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

export const playbookConfigSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
    executor_type: z.enum(REMEDIATION_EXECUTORS),
    requires_approval: z.boolean(),
    sla_seconds: z.int().min(1).max(604_800),
    parameters: z.record(z.string(), z.unknown()).default({}),
    description: z.string().max(1024).nullable().default(null),
  })
  .refine(
    (p) => p.executor_type !== 'webhook' || p.parameters.url === undefined || isHttpUrl(p.parameters.url),
    {
      message: 'a webhook playbook’s parameters.url must be an http(s) URL without credentials',
      path: ['parameters', 'url'],
    },
  );
export type PlaybookConfig = z.infer<typeof playbookConfigSchema>;

export const DEFAULT_PLAYBOOKS: PlaybookConfig[] = [
  {
    name: 'quarantine-instance',
    executor_type: 'quarantine-instance',
    requires_approval: false,
    sla_seconds: 300,
    parameters: { reason: 'string (optional): recorded on the trust transition' },
    description: 'Moves the VM instance to quarantined/revoked through the trust registry guard.',
  },
  {
    name: 'restart-server',
    executor_type: 'restart-server',
    requires_approval: true,
    sla_seconds: 600,
    parameters: { server_id: 'uuid (required): the server the runtime restarts' },
    description:
      'The policy engine stops the server and launches it again with its recorded request; the run finishes when it answers MCP again (old and new container ids as evidence).',
  },
  {
    name: 'rerun-evaluation',
    executor_type: 'rerun-evaluation',
    requires_approval: false,
    sla_seconds: 900,
    parameters: {
      certification_id: 'uuid (required): the evaluation certification the marketplace re-requests',
    },
    description:
      'The marketplace puts the certification back to pending and requests the evaluation again (evaluation.requested, reason retry).',
  },
  {
    name: 'rotate-registry-credentials',
    executor_type: 'rotate-registry-credentials',
    requires_approval: true,
    sla_seconds: 600,
    parameters: {
      server_id: 'uuid (required): the server whose registry pushes the rotation is recorded against',
    },
    description:
      'The build service runs its registry credential refresher (REGISTRY_AUTH_REFRESH_COMMAND) and patches the pull secret when configured.',
  },
  {
    name: 'rollback-promotion',
    executor_type: 'rollback-promotion',
    requires_approval: true,
    sla_seconds: 300,
    parameters: {
      track_id: 'uuid (required): the promotion track',
      stage: 'string (required): the stage whose active promotion is rolled back',
      note: 'string (optional): recorded on the rollback',
    },
    description: 'Rolls the stage back to its previous good digest through the promotions rollback.',
  },
  {
    name: 'webhook',
    executor_type: 'webhook',
    requires_approval: false,
    sla_seconds: 120,
    parameters: {},
    description:
      'POSTs the run as JSON, signed with HMAC-SHA256 (REMEDIATION_WEBHOOK_SECRET), to the playbook’s parameters.url or REMEDIATION_WEBHOOK_URL.',
  },
];

const envPlaybooks = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (!raw) return DEFAULT_PLAYBOOKS;
    try {
      return z.array(playbookConfigSchema).min(1).parse(JSON.parse(raw));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `must be a JSON array of playbooks (${String(err)})` });
      return z.NEVER;
    }
  });

const optionalUrl = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === '') return undefined;
    if (!isHttpUrl(raw.trim())) {
      ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL without credentials' });
      return z.NEVER;
    }
    return raw.trim();
  });

export const remediationConfigShape = {
  REMEDIATION_PLAYBOOKS: envPlaybooks.describe(
    'Playbooks seeded at start (JSON array of {name, executor_type, requires_approval, sla_seconds, parameters, description}); unset, one playbook per executor.',
  ),
  REMEDIATION_SLA_SWEEP_MS: envInt(5000, 100, 3_600_000).describe(
    'Time between sweeps that mark runs past their SLA.',
  ),
  REMEDIATION_WEBHOOK_URL: optionalUrl.describe(
    'Where a webhook playbook without parameters.url POSTs its runs.',
  ),
  REMEDIATION_WEBHOOK_SECRET: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v))
    .describe(
      'HMAC-SHA256 key of the x-mcp-host-signature header (sha256=<hex> over the body); unset, webhook runs fail unsent.',
    ),
  REMEDIATION_WEBHOOK_ALLOW_PRIVATE: envBoolean(false).describe(
    'Lets webhooks reach loopback, private, link-local and other non-public addresses (refused by default).',
  ),
  REMEDIATION_WEBHOOK_ALLOWED_HOSTS: envList([]).describe(
    'Comma-separated host names a webhook may target; empty, any host whose addresses pass the address rule.',
  ),
  REMEDIATION_WEBHOOK_TIMEOUT_MS: envInt(5000, 100, 60_000).describe(
    'Longest one webhook delivery attempt may take.',
  ),
  REMEDIATION_WEBHOOK_RETRIES: envInt(2, 0, 10).describe(
    'Further attempts after a webhook delivery that timed out, failed to connect or got 429/5xx.',
  ),
  REMEDIATION_WEBHOOK_BACKOFF_MS: envInt(250, 0, 30_000).describe(
    'Delay before the first webhook retry; doubles per attempt.',
  ),
};

export interface RemediationConfig {
  REMEDIATION_PLAYBOOKS: PlaybookConfig[];
  REMEDIATION_SLA_SWEEP_MS: number;
  REMEDIATION_WEBHOOK_URL?: string;
  REMEDIATION_WEBHOOK_SECRET?: string;
  REMEDIATION_WEBHOOK_ALLOW_PRIVATE: boolean;
  REMEDIATION_WEBHOOK_ALLOWED_HOSTS: string[];
  REMEDIATION_WEBHOOK_TIMEOUT_MS: number;
  REMEDIATION_WEBHOOK_RETRIES: number;
  REMEDIATION_WEBHOOK_BACKOFF_MS: number;
}
