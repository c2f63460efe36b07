// Health over MCP itself: an `initialize` and a `ping` over Streamable HTTP with the SDK's client, bounded in time.
import { Injectable } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export interface HealthResult {
  ok: boolean;
  error?: string;
}

@Injectable()
export class McpHealthChecker {
  async check(endpoint: string, timeoutMs: number): Promise<HealthResult> {
    const client = new Client({ name: 'mcp-host-orchestrator', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(endpoint));
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      await client.connect(transport, { timeout: timeoutMs, signal });
      await client.ping({ timeout: timeoutMs, signal });
      return { ok: true };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    } finally {
      await client.close().catch(() => undefined);
    }
  }
}
