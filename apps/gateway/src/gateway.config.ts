// The gateway's own configuration: where each service listens, how long to wait for it, and where the first admin token goes.
import { z } from 'zod';
import { envInt, type BaseConfig } from '@mcp-host/platform';

const upstreamUrl = (port: number, service: string) =>
  z
    .string()
    .default(`http://127.0.0.1:${port}`)
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.pathname === '/' && !u.search;
      } catch {
        return false;
      }
    }, 'must be an http(s):// origin such as http://127.0.0.1:3001')
    .describe(`Base URL of the ${service} service the gateway forwards to.`);

export const gatewayConfigShape = {
  GATEWAY_UPSTREAM_BUILD_SERVICE: upstreamUrl(3001, 'build-service'),
  GATEWAY_UPSTREAM_POLICY_ENGINE: upstreamUrl(3002, 'policy-engine'),
  GATEWAY_UPSTREAM_GOVERNANCE: upstreamUrl(3003, 'governance'),
  GATEWAY_UPSTREAM_MARKETPLACE: upstreamUrl(3004, 'marketplace'),
  GATEWAY_ADMIN_TOKEN_FILE: z
    .string()
    .min(1)
    .default('./.mcp-host/admin-token')
    .describe(
      'Where the first admin token is written (mode 0600) on the first start; only its hash is stored.',
    ),
  GATEWAY_UPSTREAM_TIMEOUT_MS: envInt(30_000, 100, 3_600_000).describe(
    'Longest wait for an upstream to answer (headers) or to send the next body chunk; beyond it, 504.',
  ),
};

export type GatewayConfig = BaseConfig & z.infer<z.ZodObject<typeof gatewayConfigShape>>;
