// A server's runtime config: the image it would run, the MCP transport, port and path, the environment the
// executor gives it (plain settings by value, provider keys bound to it by secret reference only), the resource
// limits, and the tools it is known to expose.
import { Injectable } from '@nestjs/common';
import type { ServerConfig, ServerConfigEnv } from '@mcp-host/contracts';
import { Transactions } from '@mcp-host/platform';
import { InjectRuntimeConfig, type RuntimeConfig } from '../runtime/runtime.config';
import { ServerConfigErrorCode, ServerConfigException } from './server-config.exception';
import { ServerConfigRepository } from './server-config.repository';

/** `azure-openai` → `AZURE_OPENAI_API_KEY`. */
export function providerKeyEnvName(providerId: string): string {
  return `${providerId.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_API_KEY`;
}

@Injectable()
export class ServerConfigService {
  constructor(
    private readonly repo: ServerConfigRepository,
    private readonly tx: Transactions,
    @InjectRuntimeConfig() private readonly config: RuntimeConfig,
  ) {}

  async get(serverId: string): Promise<ServerConfig> {
    return this.tx.read(async (m) => {
      const server = await this.repo.findServer(m, serverId);
      if (!server) {
        throw new ServerConfigException(
          ServerConfigErrorCode.SERVER_NOT_FOUND,
          `No server with id ${serverId}.`,
        );
      }
      const artifactImage = await this.repo.latestArtifactImage(m, serverId);
      const images = this.config.RUNTIME_DEFAULT_IMAGES;
      const catalogImage = images[server.server_type] ?? images['*'];
      const c = this.config;
      const env: ServerConfigEnv[] = [
        { name: 'PORT', value: String(c.RUNTIME_MCP_PORT) },
        { name: 'MCP_PORT', value: String(c.RUNTIME_MCP_PORT) },
        { name: 'MCP_PATH', value: c.RUNTIME_MCP_PATH },
      ];
      for (const k of await this.repo.boundKeys(m, serverId)) {
        env.push({
          name: providerKeyEnvName(k.provider_id),
          secret_ref: `provider-key://${k.provider_id}/${k.key_id}`,
        });
      }
      const tools = await this.repo.tools(m, serverId);
      return {
        server_id: server.id,
        name: server.name,
        server_type: server.server_type,
        image: artifactImage ?? catalogImage ?? null,
        image_source: artifactImage ? 'artifact' : catalogImage ? 'catalog' : null,
        transport: 'streamable-http',
        port: c.RUNTIME_MCP_PORT,
        path: c.RUNTIME_MCP_PATH,
        env,
        resources: {
          memory_mb: c.RUNTIME_MEMORY_MB,
          cpu_millicores: c.RUNTIME_CPU_MILLICORES,
          pids_limit: c.RUNTIME_PIDS_LIMIT,
          user: c.RUNTIME_CONTAINER_USER,
        },
        tools: tools.length ? tools : null,
      };
    });
  }
}
