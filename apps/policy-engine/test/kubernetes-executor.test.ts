// The Kubernetes executor against the API stand-in: a launch creates a Deployment and a Service carrying the secure
// defaults and the pull secret, readiness makes the server running, logs come from its pod, and a stop deletes both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server, StartServerResponse } from '@mcp-host/contracts';
import { createServiceApp, type ServiceApp } from '@mcp-host/platform';
import { createTestDatabase, waitFor, type TestDatabase } from '@mcp-host/platform/testing';
import { PolicyEngineModule } from '../src';
import { KubernetesStandIn } from './support/k8s-stand-in';

interface DeploymentBody {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    template: {
      spec: {
        automountServiceAccountToken: boolean;
        imagePullSecrets: { name: string }[];
        securityContext: { runAsNonRoot: boolean; runAsUser: number };
        containers: {
          image: string;
          resources: { limits: Record<string, string> };
          securityContext: {
            allowPrivilegeEscalation: boolean;
            readOnlyRootFilesystem: boolean;
            capabilities: { drop: string[] };
          };
          volumeMounts: { mountPath: string }[];
        }[];
      };
    };
  };
}

describe('kubernetes executor', () => {
  let db: TestDatabase;
  let k8s: KubernetesStandIn;
  let dir: string;
  let service: ServiceApp;
  let url: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as StartServerResponse & Server & { lines: string[] },
    };
  };

  beforeAll(async () => {
    db = await createTestDatabase('policy_k8s');
    k8s = await KubernetesStandIn.start();
    dir = mkdtempSync(join(tmpdir(), 'mcp-k8s-'));
    service = await createServiceApp(
      PolicyEngineModule.forRoot({
        env: {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: '127.0.0.1:1',
          EVENT_CONSUMER_ENABLED: 'false',
          OUTBOX_RELAY_ENABLED: 'false',
          LOG_LEVEL: 'warn',
          RUNTIME_K8S_ENABLED: 'true',
          KUBECONFIG: k8s.writeKubeconfig(dir),
          K8S_REGISTRY_SECRET_NAME: 'registry-pull',
          RUNTIME_K8S_NAMESPACE: 'mcp-servers',
          RUNTIME_DEFAULT_IMAGES: '*=registry.example.test/mcp/weather@sha256:abc123',
        },
      }),
    );
    url = await service.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await service.close();
    await k8s.stop();
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('when a server is started on kubernetes, then the stand-in receives a Deployment and Service with the secure defaults', async () => {
    const server = (await call('POST', '/api/servers', { name: 'k8s-weather', server_type: 'Weather' })).body;
    const started = await call('POST', `/api/servers/${server.id}/start`, { backend: 'kubernetes' });
    expect(started.status).toBe(202);
    expect(started.body.decision).toMatchObject({ backend: 'kubernetes', executor_name: 'kubernetes' });

    await waitFor(async () => (await call('GET', `/api/servers/${server.id}`)).body.status === 'running', {
      what: 'running',
    });
    const created = k8s.requests.filter((r) => r.method === 'POST');
    expect(created.map((r) => r.path)).toEqual([
      '/apis/apps/v1/namespaces/mcp-servers/deployments',
      '/api/v1/namespaces/mcp-servers/services',
    ]);
    expect(created[0].authorization).toBe('Bearer stand-in-token');
    const d = created[0].body as DeploymentBody;
    expect(d.metadata.labels).toMatchObject({
      'mcp-host.org/server-id': server.id,
      'mcp-host.org/decision-id': started.body.decision.id,
    });
    const pod = d.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-pull' }]);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    const [c] = pod.containers;
    expect(c.image).toBe('registry.example.test/mcp/weather@sha256:abc123');
    expect(c.securityContext).toEqual(
      expect.objectContaining({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      }),
    );
    expect(c.resources.limits).toEqual({ memory: '256Mi', cpu: '500m' });
    expect(c.volumeMounts).toEqual([expect.objectContaining({ mountPath: '/tmp' })]);
    expect(created[1].body).toMatchObject({
      kind: 'Service',
      spec: { type: 'ClusterIP', ports: [{ port: 8080, targetPort: 8080 }] },
    });

    const logs = await call('GET', `/api/servers/${server.id}/logs?tail=50`);
    expect(logs.body.lines).toEqual(['weather-server listening on :8080/mcp']);

    const stopped = await call('POST', `/api/servers/${server.id}/stop`, {});
    expect(stopped.body).toMatchObject({ stopped: true, status: 'stopped' });
    expect(k8s.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([
      `/apis/apps/v1/namespaces/mcp-servers/deployments/${d.metadata.name}`,
      `/api/v1/namespaces/mcp-servers/services/${d.metadata.name}`,
    ]);
    expect(k8s.deployments.size).toBe(0);
  });

  it('when docker is asked for but only kubernetes runs here, then the decision overrides the backend with a note', async () => {
    const server = (await call('POST', '/api/servers', { name: 'k8s-override', server_type: 'Weather' }))
      .body;
    const started = await call('POST', `/api/servers/${server.id}/start`, { backend: 'docker' });
    expect(started.body.decision).toMatchObject({ backend: 'kubernetes', candidate_backend: 'docker' });
    expect(started.body.decision.policy_notes).toContain('backend:override:docker->kubernetes:unavailable');
    await call('POST', `/api/servers/${server.id}/stop`, {});
  });
});
