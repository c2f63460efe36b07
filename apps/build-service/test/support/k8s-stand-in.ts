// An HTTP stand-in for the Kubernetes API server: answers the pull-secret PATCH the way the real API does
// (a v1 Secret back), records each request, and writes a kubeconfig pointing at itself.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface RecordedK8sRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

export class KubernetesStandIn {
  readonly requests: RecordedK8sRequest[] = [];
  private readonly secrets = new Map<string, Record<string, string>>();
  private server!: Server;
  url = '';

  static async start(): Promise<KubernetesStandIn> {
    const k = new KubernetesStandIn();
    k.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown = raw;
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          /* keep raw */
        }
        k.requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          contentType: req.headers['content-type'],
          authorization: req.headers.authorization,
          body,
        });
        const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/?]+)/.exec(req.url ?? '');
        if (req.method === 'PATCH' && m) {
          const key = `${m[1]}/${m[2]}`;
          const data = {
            ...(k.secrets.get(key) ?? {}),
            ...((body as { data?: Record<string, string> })?.data ?? {}),
          };
          k.secrets.set(key, data);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              kind: 'Secret',
              apiVersion: 'v1',
              metadata: { name: m[2], namespace: m[1], resourceVersion: String(k.requests.length) },
              type: 'kubernetes.io/dockerconfigjson',
              data,
            }),
          );
          return;
        }
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: 'NotFound',
            code: 404,
          }),
        );
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
- name: build-service
  user:
    token: stand-in-token
contexts:
- name: stand-in
  context:
    cluster: stand-in
    user: build-service
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
