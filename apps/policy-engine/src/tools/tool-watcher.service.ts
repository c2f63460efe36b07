// Discovery and drift checks: keeps an MCP client on every running server, lists its tools when it reaches `running`,
// at each refresh (TOOLS_REFRESH_INTERVAL_SECONDS) and on `notifications/tools/list_changed`, records the manifest
// and compares it with the manifest certified for the artifact it runs. The row and its events commit together.
import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  type ToolManifest,
  canonicalJson,
  blockedTools,
  buildManifest,
  diffManifests,
  type ListedTool,
} from '@mcp-host/contracts';
import { InjectConfig, InjectLogger, OutboxService, Transactions } from '@mcp-host/platform';
import type { RuntimeLogger as Logger } from '../runtime/runtime-logger';
import { ToolManifestRepository, type WatchTarget } from './tool-manifest.repository';
import type { ToolsConfig } from './tools.config';

interface Session {
  endpoint: string;
  client: Client;
}

/** Connects an SDK client and lists every page of tools, bounded in time. */
export async function listToolsOf(client: Client, timeoutMs: number): Promise<ListedTool[]> {
  const tools: ListedTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const res = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout: timeoutMs });
    tools.push(...(res.tools as ListedTool[]));
    cursor = res.nextCursor;
    if (!cursor) break;
  }
  return tools;
}

@Injectable()
export class ToolWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly sessions = new Map<string, Session>();
  /** One refresh at a time per server; a kick during one runs once more after it. */
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private closing = false;
  private readonly logger: Logger;

  constructor(
    private readonly repo: ToolManifestRepository,
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    @InjectConfig() private readonly config: ToolsConfig,
    @InjectLogger() logger: Logger,
  ) {
    this.logger = logger.child({ component: 'tool-watcher' });
  }

  onApplicationBootstrap(): void {
    const every = this.config.TOOLS_REFRESH_INTERVAL_SECONDS * 1000;
    this.timer = setInterval(() => void this.refreshAll(), every);
    this.timer.unref();
    void this.refreshAll();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    await this.sweeping?.catch(() => undefined);
    await Promise.allSettled([...this.running.values()]);
    await Promise.allSettled([...this.sessions.values()].map((s) => s.client.close()));
    this.sessions.clear();
  }

  /** Refreshes one server soon (it reached running, its tools changed, or its artifact's certification did). */
  kick(serverId: string): void {
    if (this.closing) return;
    if (this.running.has(serverId)) {
      this.again.add(serverId);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(serverId);
        const [target] = await this.tx.read((m) => this.repo.watchTargets(m, serverId));
        if (!target) await this.forget(serverId);
        else await this.refresh(target);
      } while (this.again.has(serverId) && !this.closing);
    })()
      .catch((err: unknown) => this.logger.warn({ serverId, err: String(err) }, 'tool refresh failed'))
      .finally(() => this.running.delete(serverId));
    this.running.set(serverId, run);
  }

  /** Kicks after the caller's transaction (a consumer's) has had time to commit; the periodic refresh backs it up. */
  kickSoon(serverId: string): void {
    setTimeout(() => this.kick(serverId), 250).unref();
  }

  /** Every running server once; servers no longer running lose their client. */
  refreshAll(): Promise<void> {
    if (this.sweeping || this.closing) return this.sweeping ?? Promise.resolve();
    this.sweeping = (async () => {
      const targets = await this.tx.read((m) => this.repo.watchTargets(m));
      const live = new Set(targets.map((t) => t.server_id));
      for (const id of [...this.sessions.keys()]) if (!live.has(id)) await this.forget(id);
      for (const t of targets) this.kick(t.server_id);
    })()
      .catch((err: unknown) => this.logger.warn({ err: String(err) }, 'tool sweep failed'))
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async forget(serverId: string): Promise<void> {
    const s = this.sessions.get(serverId);
    this.sessions.delete(serverId);
    await s?.client.close().catch(() => undefined);
  }

  private async session(target: WatchTarget): Promise<Session> {
    const existing = this.sessions.get(target.server_id);
    if (existing && existing.endpoint === target.endpoint) return existing;
    if (existing) await this.forget(target.server_id);
    const client = new Client({ name: 'mcp-host-tool-discovery', version: '1.0.0' });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      this.logger.info({ serverId: target.server_id }, 'tools/list_changed: refreshing');
      this.kick(target.server_id);
    });
    // A transport that fails after connecting (the server went away) drops the session; the next refresh reconnects.
    client.onclose = () => {
      if (this.sessions.get(target.server_id)?.client === client) this.sessions.delete(target.server_id);
    };
    const timeout = this.config.TOOLS_DISCOVERY_TIMEOUT_MS;
    await client.connect(new StreamableHTTPClientTransport(new URL(target.endpoint)), { timeout });
    const s = { endpoint: target.endpoint, client };
    this.sessions.set(target.server_id, s);
    return s;
  }

  private async refresh(target: WatchTarget): Promise<void> {
    let tools: ListedTool[];
    try {
      const s = await this.session(target);
      tools = await listToolsOf(s.client, this.config.TOOLS_DISCOVERY_TIMEOUT_MS);
    } catch (err) {
      await this.forget(target.server_id);
      this.logger.warn({ serverId: target.server_id, err: String(err) }, 'tools/list failed');
      return;
    }
    await this.record(target, buildManifest(tools));
  }

  /** Stores the live manifest, compares it with the certified one and announces what changed. */
  async record(target: WatchTarget, manifest: ToolManifest): Promise<void> {
    await this.tx.run(async (m) => {
      const prev = await this.repo.find(m, target.server_id, true);
      const cert = target.artifact_run_id ? await this.repo.certified(m, target.artifact_run_id) : undefined;
      const certified = cert?.status === 'pass' && cert.tools && cert.digest ? cert : undefined;
      const changed = certified
        ? diffManifests({ digest: certified.digest!, tools: certified.tools! }, manifest)
        : [];
      const drifted = changed.length > 0;
      const blocked = blockedTools(changed, this.config.DRIFT_BLOCK_CHANGED_TOOLS);
      const now = new Date();
      const sameDiscovery =
        prev !== undefined &&
        prev.digest === manifest.digest &&
        prev.endpoint === target.endpoint &&
        prev.artifact_run_id === target.artifact_run_id;
      await this.repo.upsert(m, {
        server_id: target.server_id,
        artifact_run_id: target.artifact_run_id,
        endpoint: target.endpoint,
        digest: manifest.digest,
        tools: manifest.tools,
        certified_digest: certified?.digest ?? null,
        drifted,
        changed,
        blocked_tools: blocked,
        discovered_at: sameDiscovery && prev ? prev.discovered_at : now,
        refreshed_at: now,
      });
      if (!sameDiscovery) {
        await this.outbox.publish(m, 'server.tools.discovered', {
          server_id: target.server_id,
          artifact_run_id: target.artifact_run_id,
          endpoint: target.endpoint,
          manifest,
          discovered_at: now.toISOString(),
        });
      }
      const sameDrift =
        prev?.drifted === true &&
        canonicalJson(prev.changed) === canonicalJson(changed) &&
        canonicalJson(prev.blocked_tools) === canonicalJson(blocked) &&
        prev.artifact_run_id === target.artifact_run_id;
      if (drifted && !sameDrift) {
        this.logger.warn(
          { serverId: target.server_id, changed, blocked },
          'tools drifted from the certified manifest',
        );
        await this.outbox.publish(m, 'server.tools.drifted', {
          server_id: target.server_id,
          artifact_run_id: target.artifact_run_id!,
          certified_digest: certified!.digest!,
          live_digest: manifest.digest,
          changed,
          blocked_tools: blocked,
          detected_at: now.toISOString(),
        });
      } else if (!drifted && prev?.drifted && prev.artifact_run_id) {
        await this.outbox.publish(m, 'server.tools.drift_cleared', {
          server_id: target.server_id,
          artifact_run_id: prev.artifact_run_id,
          digest: manifest.digest,
          cleared_at: now.toISOString(),
        });
      }
    });
  }
}
