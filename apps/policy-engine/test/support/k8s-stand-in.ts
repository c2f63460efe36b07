// An HTTP stand-in for the Kubernetes API server, shaped like the real one for what the Kubernetes executor calls:
// Deployments and Services created, read, listed by label selector and deleted, pods listed and their logs read.
// Each Deployment reads as ready (one ready replica), as a cluster would report once its pod passed readiness.
// It records every request and writes a kubeconfig pointing at itself.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface RecordedK8sRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  [k: string]: unknown;
}

const notFound = { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 };

function matches(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return labels?.[k] === v;
  });
}

export class KubernetesStandIn {
  readonly requests: RecordedK8sRequest[] = [];
  readonly deployments = new Map<string, K8sObject>();
  readonly services = new Map<string, K8sObject>();
  private server!: Server;
  url = '';

  static async start(): Promise<KubernetesStandIn> {
    const k = new KubernetesStandIn();
    k.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const body: unknown = raw ? JSON.parse(raw) : undefined;
        const u = new URL(req.url ?? '/', 'http://stand-in');
        k.requests.push({
          method: req.method ?? '',
          path: u.pathname,
          authorization: req.headers.authorization,
          body,
        });
        const send = (code: number, value: unknown, type = 'application/json') => {
          res.writeHead(code, { 'content-type': type });
          res.end(typeof value === 'string' ? value : JSON.stringify(value));
        };
        const ready = (d: K8sObject) => ({
          ...d,
          status: { replicas: 1, readyReplicas: 1, availableReplicas: 1 },
        });
        const selector = u.searchParams.get('labelSelector');
        let m: RegExpExecArray | null;
        if ((m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments(?:\/([^/]+))?$/.exec(u.pathname))) {
          const [, ns, name] = m;
          const key = `${ns}/${name}`;
          if (req.method === 'POST') {
            const d = body as K8sObject;
            const id = `${ns}/${d.metadata.name}`;
            if (k.deployments.has(id)) return send(409, { ...notFound, reason: 'AlreadyExists', code: 409 });
            k.deployments.set(id, d);
            return send(201, d);
          }
          if (req.method === 'GET' && !name) {
            const items = [...k.deployments.values()]
              .filter((d) => d.metadata.namespace === ns && matches(d.metadata.labels, selector))
              .map(ready);
            return send(200, { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: {}, items });
          }
          const d = k.deployments.get(key);
          if (!d) return send(404, notFound);
          if (req.method === 'GET') return send(200, ready(d));
          if (req.method === 'DELETE') {
            k.deployments.delete(key);
            return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
          }
        }
        if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/services(?:\/([^/]+))?$/.exec(u.pathname))) {
          const [, ns, name] = m;
          if (req.method === 'POST') {
            const s = body as K8sObject;
            k.services.set(`${ns}/${s.metadata.name}`, s);
            return send(201, s);
          }
          if (req.method === 'DELETE') {
            if (!k.services.delete(`${ns}/${name}`)) return send(404, notFound);
            return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
          }
        }
        if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(u.pathname))) {
          const app = selector?.replace(/^app=/, '');
          const items = [...k.deployments.values()]
            .filter((d) => d.metadata.namespace === m![1] && d.metadata.name === app)
            .map((d) => ({
              kind: 'Pod',
              metadata: { name: `${d.metadata.name}-7d9f-abcde`, namespace: m![1] },
            }));
          return send(200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
        }
        if (/^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/log$/.test(u.pathname)) {
          return send(200, 'weather-server listening on :8080/mcp\n', 'text/plain');
        }
        send(404, notFound);
      });
    });
    await new Promise<void>((r) => k.server.listen(0, '127.0.0.1', r));
    k.url = `http://127.0.0.1:${(k.server.address() as AddressInfo).port}`;
    return k;
  }

  writeKubeconfig(dir: string): string {
    const path = join(dir, 'kubeconfig.yaml');
    writeFileSync(
      path,
      `apiVersion: v1
kind: Config
clusters:
- name: stand-in
  cluster:
    server: ${this.url}
users:
- name: policy-engine
  user:
    token: stand-in-token
contexts:
- name: stand-in
  context:
    cluster: stand-in
    user: policy-engine
current-context: stand-in
`,
    );
    return path;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
