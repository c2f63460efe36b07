// The runtime's configuration variables (tiers, gating, default images, executors, health), parsed once at start with
// the kit's config; every other runtime class receives the typed result.
import { z } from 'zod';
import { envBoolean, envInt, envList, InjectConfig, type BaseConfig } from '@mcp-host/platform';

/** `gold=security-scan+conformance,silver=security-scan`: the requirements of a tier until an event sets them. */
const envTierRequirements = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const out: Record<string, string[]> = {};
    for (const part of (raw ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [tier, reqs] = part.split('=');
      if (!tier || reqs === undefined) {
        ctx.addIssue({ code: 'custom', message: `must be tier=req+req,… (got "${part}")` });
        return z.NEVER;
      }
      out[tier.trim()] = reqs
        .split('+')
        .map((s) => s.trim())
        .filter(Boolean);
    }
    return out;
  });

/** `Router=registry/img:1,*=localhost/mcp-host/weather-server:latest`: the catalog image per server_type. */
const envImageMap = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const out: Record<string, string> = {};
    for (const part of (raw ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const i = part.indexOf('=');
      if (i <= 0 || i === part.length - 1) {
        ctx.addIssue({ code: 'custom', message: `must be server_type=image,… (got "${part}")` });
        return z.NEVER;
      }
      out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
    }
    return out;
  });

export const runtimeConfigShape = {
  RUNTIME_TIERS: envList(['dev', 'bronze', 'silver', 'gold']).describe(
    'Tiers a launch may name (tiers with projected requirements or promotions are known too).',
  ),
  RUNTIME_DEFAULT_TIER: z.string().min(1).default('dev').describe('Tier of a launch that names none.'),
  RUNTIME_UNGATED_TIERS: envList(['dev']).describe(
    'Tiers that skip the governance and promotion gates (evaluation requirements still apply).',
  ),
  RUNTIME_TIER_REQUIREMENTS: envTierRequirements.describe(
    'Policy requirements per tier (tier=req+req,…) until evaluation.requirements.set names them.',
  ),
  RUNTIME_DEFAULT_IMAGES: envImageMap.describe(
    'Catalog image per server_type (type=image,…; `*` for any) when a server has no ledger artifact.',
  ),
  RUNTIME_DEFAULT_BACKEND: z
    .string()
    .min(1)
    .default('docker')
    .describe('Backend of a launch that names none.'),
  RUNTIME_INSTANCE: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]*$/)
    .default('default')
    .describe('Names this orchestrator in container labels; reconciliation only touches its own containers.'),
  DOCKER_HOST: z
    .string()
    .optional()
    .describe(
      'Docker-compatible engine socket (unix:///… or tcp://…); unset, no Docker executor is registered.',
    ),
  RUNTIME_DOCKER_CAPABILITIES: envList(['container']).describe(
    'Capabilities the Docker executor advertises.',
  ),
  RUNTIME_DOCKER_NETWORK: z.string().min(1).default('mcp-host-runtime').describe('Network servers run on.'),
  RUNTIME_CONTAINER_USER: z.string().min(1).default('10001:10001').describe('Non-root uid:gid of servers.'),
  RUNTIME_MEMORY_MB: envInt(256, 16, 65536).describe('Memory limit of a server, in MiB.'),
  RUNTIME_CPU_MILLICORES: envInt(500, 10, 64000).describe('CPU limit of a server, in millicores.'),
  RUNTIME_PIDS_LIMIT: envInt(128, 8, 65536).describe('Process limit of a server.'),
  RUNTIME_MCP_PORT: envInt(8080, 1, 65535).describe('Port the MCP server listens on inside its container.'),
  RUNTIME_MCP_PATH: z
    .string()
    .startsWith('/')
    .default('/mcp')
    .describe('Streamable HTTP path of MCP servers.'),
  RUNTIME_HEALTH_INTERVAL_MS: envInt(5000, 100, 600000).describe('Time between MCP health checks.'),
  RUNTIME_HEALTH_TIMEOUT_MS: envInt(3000, 100, 60000).describe('Longest an initialize + ping may take.'),
  RUNTIME_START_TIMEOUT_MS: envInt(30000, 500, 600000).describe('Longest a launch may take to answer MCP.'),
  RUNTIME_RESTART_BACKOFF_MS: envInt(500, 10, 600000).describe('First restart delay; doubles per attempt.'),
  RUNTIME_RESTART_BACKOFF_MAX_MS: envInt(30000, 10, 3600000).describe('Longest restart delay.'),
  RUNTIME_RECONCILE_INTERVAL_MS: envInt(2000, 100, 600000).describe(
    'Time between sweeps that launch or remove workloads whose assignment and engine disagree.',
  ),
  RUNTIME_K8S_ENABLED: envBoolean(false).describe(
    'Register the Kubernetes executor (kubeconfig or in-cluster).',
  ),
  RUNTIME_K8S_NAMESPACE: z.string().min(1).default('mcp-host').describe('Namespace of Kubernetes servers.'),
  RUNTIME_K8S_CAPABILITIES: envList(['container']).describe(
    'Capabilities the Kubernetes executor advertises.',
  ),
  KUBECONFIG: z.string().optional().describe('Kubeconfig for the Kubernetes executor; unset, in-cluster.'),
  K8S_REGISTRY_SECRET_NAME: z.string().optional().describe('Pull secret Kubernetes servers use.'),
};

export type RuntimeConfig = BaseConfig & z.infer<z.ZodObject<typeof runtimeConfigShape>>;

export const InjectRuntimeConfig = InjectConfig;
