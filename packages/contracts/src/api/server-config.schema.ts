// `GET /api/servers/:id/config` (admin): what a server runs with, for scaffolding (`mcpctl scaffold …`). Secret
// variables carry a reference to where the secret lives, never its value.
import { z } from 'zod';

export const serverConfigEnvSchema = z.object({
  name: z.string(),
  /** Plain runtime settings only; absent for a secret. */
  value: z.string().optional(),
  /** e.g. `provider-key://openai/<key id>`; present for a secret. */
  secret_ref: z.string().optional(),
});
export type ServerConfigEnv = z.infer<typeof serverConfigEnvSchema>;

export const serverConfigSchema = z.object({
  server_id: z.string(),
  name: z.string(),
  server_type: z.string(),
  image: z.string().nullable(),
  /** `artifact` (the latest successful ledger artifact), `catalog` (the configured default image) or null. */
  image_source: z.enum(['artifact', 'catalog']).nullable(),
  transport: z.literal('streamable-http'),
  port: z.int(),
  path: z.string(),
  env: z.array(serverConfigEnvSchema),
  resources: z.object({ memory_mb: z.int(), cpu_millicores: z.int(), pids_limit: z.int(), user: z.string() }),
  /** Tool names the server is known to expose (seen answering through the gateway); null when none is known. */
  tools: z.array(z.string()).nullable(),
});
export type ServerConfig = z.infer<typeof serverConfigSchema>;
