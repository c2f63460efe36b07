// Configuration of the MCP conformance evaluator, which runs requested `mcp-conformance` evaluations on the runtime's
// Docker-compatible engine (DOCKER_HOST).
import { z } from 'zod';
import { envBoolean, envInt, type BaseConfig } from '@mcp-host/platform';

export const conformanceConfigShape = {
  CONFORMANCE_ENABLED: envBoolean(true).describe(
    'Run requested mcp-conformance evaluations (needs DOCKER_HOST; without it requests stay queued).',
  ),
  CONFORMANCE_CONCURRENCY: envInt(1, 1, 64).describe('Evaluations run at the same time.'),
  CONFORMANCE_VALIDITY_DAYS: envInt(30, 1, 3650).describe(
    'Days a pass or fail result stays valid (valid_until).',
  ),
  CONFORMANCE_NETWORK: z
    .string()
    .min(1)
    .default('mcp-host-conformance')
    .describe('The network of evaluated containers, apart from the servers the runtime runs.'),
  CONFORMANCE_START_TIMEOUT_MS: envInt(30000, 500, 600000).describe(
    'Longest the evaluated server may take to answer initialize.',
  ),
  CONFORMANCE_CALL_TIMEOUT_MS: envInt(10000, 100, 600000).describe(
    'Longest each request of the evaluation (ping, tools/list, a tool call) may take.',
  ),
  CONFORMANCE_POLL_INTERVAL_MS: envInt(2000, 50, 600000).describe(
    'Time between looks at the evaluation queue (a request also wakes it at once).',
  ),
  CONFORMANCE_MAX_ATTEMPTS: envInt(3, 1, 100).describe(
    'Attempts of an evaluation the engine could not run (unreachable engine) before it records a fail.',
  ),
  CONFORMANCE_ARTIFACT_WAIT_MS: envInt(600000, 0, 86400000).describe(
    'How long a request waits for its artifact run to be projected before it fails as unknown.',
  ),
};

export type ConformanceConfig = BaseConfig & z.infer<z.ZodObject<typeof conformanceConfigShape>>;
