// An HTTP stand-in for a Docker-compatible engine (DOCKER_HOST=tcp://…), shaped like the real API for what the policy
// engine's Docker executor calls: networks listed, images inspected, containers created, started, inspected, listed,
// stopped and removed. A "container" runs nothing: it reports its MCP port published on loopback at `mcpPort`, where
// the test runs the MCP server in process, so a launch through the real orchestrator reaches a real MCP endpoint
// without Podman, an image or a registry.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Container {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  exposed: string[];
  running: boolean;
}

export interface DockerStandIn {
  /** For DOCKER_HOST. */
  url: string;
  /** `METHOD /path` of every call, engine API version prefix removed. */
  calls: string[];
  containers(): Container[];
  close(): Promise<void>;
}

export async function startDockerStandIn(mcpPort: number): Promise<DockerStandIn> {
  const containers = new Map<string, Container>();
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://engine');
      const path = url.pathname.replace(/^\/v[\d.]+(?=\/)/, '');
      const method = req.method ?? 'GET';
      calls.push(`${method} ${path}`);
      const send = (status: number, body?: unknown) => {
        if (body === undefined) res.writeHead(status).end();
        else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      const notFound = () => send(404, { message: `no such object: ${path}` });
      const inspect = (c: Container) => ({
        Id: c.id,
        Name: `/${c.name}`,
        Config: { Image: c.image, Labels: c.labels },
        State: { Status: c.running ? 'running' : 'exited', Running: c.running },
        NetworkSettings: {
          Ports: Object.fromEntries(
            c.exposed.map((p) => [
              p,
              c.running ? [{ HostIp: '127.0.0.1', HostPort: String(mcpPort) }] : null,
            ]),
          ),
        },
      });

      if (method === 'GET' && path === '/_ping') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
        return;
      }
      if (method === 'GET' && path === '/version')
        return send(200, { Version: 'stand-in', ApiVersion: '1.41' });
      if (method === 'GET' && path === '/networks') {
        const filters = JSON.parse(url.searchParams.get('filters') ?? '{}') as { name?: string[] };
        return send(
          200,
          (filters.name ?? []).map((Name) => ({ Name, Id: Name })),
        );
      }
      if (method === 'POST' && path === '/networks/create') return send(201, { Id: 'net' });
      const image = /^\/images\/(.+)\/json$/.exec(path);
      if (method === 'GET' && image)
        return send(200, { Id: `sha256:${'0'.repeat(64)}`, RepoTags: [image[1]] });
      if (method === 'POST' && path === '/containers/create') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          Image: string;
          Labels?: Record<string, string>;
          ExposedPorts?: Record<string, unknown>;
        };
        const c: Container = {
          id: randomBytes(32).toString('hex'),
          name: url.searchParams.get('name') ?? '',
          image: body.Image,
          labels: body.Labels ?? {},
          exposed: Object.keys(body.ExposedPorts ?? {}),
          running: false,
        };
        containers.set(c.id, c);
        return send(201, { Id: c.id, Warnings: [] });
      }
      if (method === 'GET' && path === '/containers/json') {
        const filters = JSON.parse(url.searchParams.get('filters') ?? '{}') as { label?: string[] };
        const wanted = (c: Container) =>
          (filters.label ?? []).every((l) => {
            const [k, v] = l.split('=');
            return c.labels[k] === v;
          });
        return send(
          200,
          [...containers.values()]
            .filter((c) => (url.searchParams.get('all') === 'true' || c.running) && wanted(c))
            .map((c) => ({
              Id: c.id,
              Names: [`/${c.name}`],
              Labels: c.labels,
              State: c.running ? 'running' : 'exited',
            })),
        );
      }
      const one = /^\/containers\/([^/]+)(?:\/(json|start|stop|logs))?$/.exec(path);
      const c = one ? containers.get(one[1]) : undefined;
      if (!one || !c) return notFound();
      const verb = one[2];
      if (method === 'GET' && verb === 'json') return send(200, inspect(c));
      if (method === 'POST' && verb === 'start') {
        if (c.running) return send(304);
        c.running = true;
        return send(204);
      }
      if (method === 'POST' && verb === 'stop') {
        if (!c.running) return send(304);
        c.running = false;
        return send(204);
      }
      if (method === 'GET' && verb === 'logs') {
        res.writeHead(200, { 'content-type': 'application/vnd.docker.raw-stream' }).end();
        return;
      }
      if (method === 'DELETE' && verb === undefined) {
        containers.delete(c.id);
        return send(204);
      }
      return notFound();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    containers: () => [...containers.values()],
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
