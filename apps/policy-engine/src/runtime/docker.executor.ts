// The Docker executor: runs a decided image on a Docker-compatible engine (DOCKER_HOST; Podman's API socket in
// tests) with secure defaults: no capabilities, no new privileges, a read-only root with a tmpfs /tmp, a non-root
// user, memory/CPU/pid limits, its own network, the MCP port published on loopback only, and labels naming the
// server and the decision so a restarted orchestrator can adopt or remove what it left behind.
import { PassThrough, type Readable } from 'node:stream';
import Docker from 'dockerode';
import type { RuntimeLogger as Logger } from './runtime-logger';
import type { RuntimeConfig } from './runtime.config';
import type {
  LaunchedInstance,
  LogOptions,
  LaunchSpec,
  ManagedInstance,
  RuntimeExecutor,
  RuntimeExecutorDescriptor,
} from './runtime-executor';

export const LABELS = {
  managed: 'org.mcp-host.managed',
  instance: 'org.mcp-host.orchestrator',
  server: 'org.mcp-host.server-id',
  serverName: 'org.mcp-host.server-name',
  decision: 'org.mcp-host.decision-id',
  launch: 'org.mcp-host.launch-id',
} as const;

export function dockerFromHost(host: string): Docker {
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  if (host.startsWith('/')) return new Docker({ socketPath: host });
  const u = new URL(host.replace(/^tcp:/, 'http:'));
  return new Docker({ host: u.hostname, port: Number(u.port || 2375), protocol: 'http' });
}

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number })?.statusCode === 404;
}

export class DockerExecutor implements RuntimeExecutor {
  readonly descriptor: RuntimeExecutorDescriptor;
  private networkReady?: Promise<void>;

  constructor(
    private readonly docker: Docker,
    private readonly config: RuntimeConfig,
    private readonly logger: Logger,
  ) {
    this.descriptor = {
      name: 'docker-local',
      kind: 'docker',
      capabilities: config.RUNTIME_DOCKER_CAPABILITIES,
    };
  }

  private get portKey(): string {
    return `${this.config.RUNTIME_MCP_PORT}/tcp`;
  }

  private ensureNetwork(): Promise<void> {
    this.networkReady ??= (async () => {
      const name = this.config.RUNTIME_DOCKER_NETWORK;
      const found = await this.docker.listNetworks({ filters: { name: [name] } });
      if (found.some((n) => n.Name === name)) return;
      try {
        await this.docker.createNetwork({ Name: name, Labels: { [LABELS.managed]: 'true' } });
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 409) throw err;
      }
    })().catch((err: unknown) => {
      this.networkReady = undefined;
      throw err;
    });
    return this.networkReady;
  }

  private async ensureImage(image: string): Promise<void> {
    try {
      await this.docker.getImage(image).inspect();
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const stream = await this.docker.pull(image);
    await new Promise<void>((resolve, reject) =>
      this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
    );
  }

  async launch(spec: LaunchSpec): Promise<LaunchedInstance> {
    // A container this decision already created (the orchestrator died between create and record) is adopted.
    const existing = (await this.list()).find(
      (c) => c.serverId === spec.serverId && c.decisionId === spec.decisionId,
    );
    if (existing) return this.restart(existing.instanceRef);

    await Promise.all([this.ensureNetwork(), this.ensureImage(spec.image)]);
    const c = this.config;
    const container = await this.docker.createContainer({
      name: `mcp-${c.RUNTIME_INSTANCE}-${spec.serverName}-${spec.decisionId.slice(0, 8)}`.slice(0, 120),
      Image: spec.image,
      User: c.RUNTIME_CONTAINER_USER,
      Env: [`PORT=${c.RUNTIME_MCP_PORT}`, `MCP_PORT=${c.RUNTIME_MCP_PORT}`, `MCP_PATH=${c.RUNTIME_MCP_PATH}`],
      ExposedPorts: { [this.portKey]: {} },
      Labels: {
        [LABELS.managed]: 'true',
        [LABELS.instance]: c.RUNTIME_INSTANCE,
        [LABELS.server]: spec.serverId,
        [LABELS.serverName]: spec.serverName,
        [LABELS.decision]: spec.decisionId,
        [LABELS.launch]: spec.launchId,
      },
      HostConfig: {
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,noexec,nosuid,size=64m' },
        Memory: c.RUNTIME_MEMORY_MB * 1024 * 1024,
        NanoCpus: c.RUNTIME_CPU_MILLICORES * 1_000_000,
        PidsLimit: c.RUNTIME_PIDS_LIMIT,
        NetworkMode: c.RUNTIME_DOCKER_NETWORK,
        PortBindings: { [this.portKey]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
        RestartPolicy: { Name: 'no' },
      },
    });
    await container.start();
    return { instanceRef: container.id, endpoint: await this.endpointOf(container.id) };
  }

  private async endpointOf(id: string): Promise<string | null> {
    const info = await this.docker.getContainer(id).inspect();
    const binding = info.NetworkSettings?.Ports?.[this.portKey]?.[0];
    if (!binding?.HostPort) return null;
    return `http://127.0.0.1:${binding.HostPort}${this.config.RUNTIME_MCP_PATH}`;
  }

  async stop(instanceRef: string): Promise<void> {
    const container = this.docker.getContainer(instanceRef);
    try {
      await container.stop({ t: 2 });
    } catch (err) {
      // 304: already stopped; 404: already gone.
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 304 && code !== 404)
        this.logger.warn({ err: String(err), instanceRef }, 'container stop failed');
    }
    try {
      await container.remove({ force: true });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async isRunning(instanceRef: string): Promise<boolean> {
    try {
      const info = await this.docker.getContainer(instanceRef).inspect();
      return info.State.Running === true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async restart(instanceRef: string): Promise<LaunchedInstance> {
    const container = this.docker.getContainer(instanceRef);
    const info = await container.inspect();
    if (!info.State.Running) await container.start();
    return { instanceRef: info.Id, endpoint: await this.endpointOf(info.Id) };
  }

  async list(): Promise<ManagedInstance[]> {
    const items = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.managed}=true`, `${LABELS.instance}=${this.config.RUNTIME_INSTANCE}`] },
    });
    return items.map((c) => ({
      instanceRef: c.Id,
      serverId: c.Labels[LABELS.server],
      decisionId: c.Labels[LABELS.decision],
      running: c.State === 'running',
    }));
  }

  async logs(instanceRef: string, opts: LogOptions): Promise<Readable> {
    const container = this.docker.getContainer(instanceRef);
    const out = new PassThrough();
    // From a resume point the engine sends everything since that second; the caller drops what it already sent.
    const window = opts.since ? { since: Math.floor(Date.parse(opts.since) / 1000) } : { tail: opts.tail };
    const common = { stdout: true, stderr: true, timestamps: opts.timestamps === true, ...window };
    if (opts.follow) {
      const stream = await container.logs({ ...common, follow: true });
      this.docker.modem.demuxStream(stream, out, out);
      stream.on('end', () => out.end());
      stream.on('error', (err: Error) => out.destroy(err));
      out.on('close', () => (stream as unknown as { destroy?: () => void }).destroy?.());
      return out;
    }
    const buf = await container.logs({ ...common, follow: false });
    out.end(demuxBuffer(buf));
    return out;
  }
}

/** Strips the engine's 8-byte frame headers from a non-TTY log buffer. */
export function demuxBuffer(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const type = buf[i];
    if (type > 2 || buf[i + 1] !== 0 || buf[i + 2] !== 0 || buf[i + 3] !== 0) return buf;
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return Buffer.concat(parts);
}
