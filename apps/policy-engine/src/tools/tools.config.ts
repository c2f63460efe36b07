// Configuration of tool discovery and drift checks on running servers.
import { z } from 'zod';
import { envBoolean, envInt, type BaseConfig } from '@mcp-host/platform';

export const toolsConfigShape = {
  TOOLS_REFRESH_INTERVAL_SECONDS: envInt(60, 1, 86400).describe(
    'Time between tools/list refreshes of each running server (its manifest is compared with the certified one each time; a notifications/tools/list_changed refreshes at once).',
  ),
  TOOLS_DISCOVERY_TIMEOUT_MS: envInt(10000, 100, 600000).describe(
    'Longest a connect + tools/list on a running server may take.',
  ),
  DRIFT_BLOCK_CHANGED_TOOLS: envBoolean(true).describe(
    'Whether a drift names the changed tools in blocked_tools (the gateway then refuses calls to them).',
  ),
};

export type ToolsConfig = BaseConfig & z.infer<z.ZodObject<typeof toolsConfigShape>>;
