// The Kubernetes executor: a Deployment and a Service per server through @kubernetes/client-node, with the same
// secure defaults as the Docker executor (non-root, read-only root with an emptyDir /tmp, all capabilities dropped,
// no privilege escalation, resource limits) and the registry pull secret. The server's health is the Deployment's
// readiness, since the cluster network is not reachable from the orchestrator.
import { PassThrough, type Readable } from 'node:stream';
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Deployment, type V1Service } from '@kubernetes/client-node';
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

const L = {
  managed: 'mcp-host.org/managed',
  instance: 'mcp-host.org/orchestrator',
  server: 'mcp-host.org/server-id',
  decision: 'mcp-host.org/decision-id',
} as const;

function isNotFound(err: unknown): boolean {
  const e = err as { statusCode?: number; response?: { statusCode?: number } };
  return e?.statusCode === 404 || e?.response?.statusCode === 404;
}

export class KubernetesExecutor implements RuntimeExecutor {
  readonly descriptor: RuntimeExecutorDescriptor;

  constructor(
    private readonly apps: AppsV1Api,
    private readonly core: CoreV1Api,
    private readonly config: RuntimeConfig,
    private readonly logger: Logger,
  ) {
    this.descriptor = {
      name: 'kubernetes',
      kind: 'kubernetes',
      capabilities: config.RUNTIME_K8S_CAPABILITIES,
    };
  }

  static fromConfig(config: RuntimeConfig, logger: Logger): KubernetesExecutor {
    const kc = new KubeConfig();
    if (config.KUBECONFIG) kc.loadFromFile(config.KUBECONFIG);
    else kc.loadFromCluster();
    return new KubernetesExecutor(kc.makeApiClient(AppsV1Api), kc.makeApiClient(CoreV1Api), config, logger);
  }

  private get ns(): string {
    return this.config.RUNTIME_K8S_NAMESPACE;
  }

  /** `mcp-<server name>-<decision prefix>`, a valid DNS-1035 label. */
  private nameOf(spec: Pick<LaunchSpec, 'serverName' | 'decisionId'>): string {
    const base = spec.serverName
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40);
    return `mcp-${base || 'server'}-${spec.decisionId.slice(0, 8)}`;
  }

  manifests(spec: LaunchSpec): { deployment: V1Deployment; service: V1Service } {
    const c = this.config;
    const name = this.nameOf(spec);
    const [uid, gid] = c.RUNTIME_CONTAINER_USER.split(':').map(Number);
    const labels = {
      [L.managed]: 'true',
      [L.instance]: c.RUNTIME_INSTANCE,
      [L.server]: spec.serverId,
      [L.decision]: spec.decisionId,
      app: name,
    };
    const resources = {
      limits: { memory: `${c.RUNTIME_MEMORY_MB}Mi`, cpu: `${c.RUNTIME_CPU_MILLICORES}m` },
      requests: {
        memory: `${Math.ceil(c.RUNTIME_MEMORY_MB / 2)}Mi`,
        cpu: `${Math.ceil(c.RUNTIME_CPU_MILLICORES / 4)}m`,
      },
    };
    const deployment: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name,
        namespace: this.ns,
        labels,
        annotations: { 'mcp-host.org/launch-id': spec.launchId },
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            imagePullSecrets: c.K8S_REGISTRY_SECRET_NAME ? [{ name: c.K8S_REGISTRY_SECRET_NAME }] : undefined,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: Number.isFinite(uid) ? uid : 10001,
              runAsGroup: Number.isFinite(gid) ? gid : 10001,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'mcp',
                image: spec.image,
                ports: [{ name: 'mcp', containerPort: c.RUNTIME_MCP_PORT }],
                env: [
                  { name: 'PORT', value: String(c.RUNTIME_MCP_PORT) },
                  { name: 'MCP_PORT', value: String(c.RUNTIME_MCP_PORT) },
                  { name: 'MCP_PATH', value: c.RUNTIME_MCP_PATH },
                ],
                resources,
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  privileged: false,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }],
          },
        },
      },
    };
    const service: V1Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: this.ns, labels },
      spec: {
        type: 'ClusterIP',
        selector: { app: name },
        ports: [{ name: 'mcp', port: c.RUNTIME_MCP_PORT, targetPort: c.RUNTIME_MCP_PORT }],
      },
    };
    return { deployment, service };
  }

  async launch(spec: LaunchSpec): Promise<LaunchedInstance> {
    const { deployment, service } = this.manifests(spec);
    const name = deployment.metadata!.name!;
    try {
      await this.apps.createNamespacedDeployment(this.ns, deployment);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
    }
    try {
      await this.core.createNamespacedService(this.ns, service);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
    }
    return { instanceRef: `${this.ns}/${name}`, endpoint: null };
  }

  private split(instanceRef: string): { ns: string; name: string } {
    const [ns, name] = instanceRef.split('/');
    return { ns, name };
  }

  async stop(instanceRef: string): Promise<void> {
    const { ns, name } = this.split(instanceRef);
    for (const del of [
      () => this.apps.deleteNamespacedDeployment(name, ns),
      () => this.core.deleteNamespacedService(name, ns),
    ]) {
      try {
        await del();
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  async isRunning(instanceRef: string): Promise<boolean> {
    const { ns, name } = this.split(instanceRef);
    try {
      const { body } = await this.apps.readNamespacedDeployment(name, ns);
      return (body.status?.readyReplicas ?? 0) >= 1;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async restart(instanceRef: string): Promise<LaunchedInstance> {
    // The Deployment controller restarts crashed pods itself.
    if (!(await this.exists(instanceRef))) throw new Error(`deployment ${instanceRef} is gone`);
    return { instanceRef, endpoint: null };
  }

  private async exists(instanceRef: string): Promise<boolean> {
    const { ns, name } = this.split(instanceRef);
    try {
      await this.apps.readNamespacedDeployment(name, ns);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async list(): Promise<ManagedInstance[]> {
    const selector = `${L.managed}=true,${L.instance}=${this.config.RUNTIME_INSTANCE}`;
    const { body } = await this.apps.listNamespacedDeployment(
      this.ns,
      undefined,
      undefined,
      undefined,
      undefined,
      selector,
    );
    return body.items.map((d) => ({
      instanceRef: `${d.metadata?.namespace ?? this.ns}/${d.metadata?.name ?? ''}`,
      serverId: d.metadata?.labels?.[L.server] ?? '',
      decisionId: d.metadata?.labels?.[L.decision] ?? '',
      running: (d.status?.readyReplicas ?? 0) >= 1,
    }));
  }

  async logs(instanceRef: string, opts: LogOptions): Promise<Readable> {
    const { ns, name } = this.split(instanceRef);
    const { body } = await this.core.listNamespacedPod(
      ns,
      undefined,
      undefined,
      undefined,
      undefined,
      `app=${name}`,
    );
    const pod = body.items[0]?.metadata?.name;
    const out = new PassThrough();
    if (!pod) {
      out.end();
      return out;
    }
    // Following a pod log needs a streaming watch; the tail is what a one-shot read gives.
    const res = await this.core.readNamespacedPodLog(
      pod,
      ns,
      'mcp',
      false,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      opts.tail,
      opts.timestamps === true,
    );
    out.end(res.body ?? '');
    return out;
  }
}
