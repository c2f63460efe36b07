// The registry HTTP client against a stub registry that asks for the bearer token flow, then for basic auth.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildConfig } from '../config/build-config';
import { RegistryClient, sha256 } from './registry-client';
import { registryTargetOf } from './registry-target';

const basic = `Basic ${Buffer.from('robot:s3cret').toString('base64')}`;
let server: Server;
let address: string;
let mode: 'bearer' | 'basic' = 'bearer';
const stored = new Map<string, { type: string; body: Buffer }>();
const tokenRequests: string[] = [];

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((r) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => r(Buffer.concat(chunks)));
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') {
        tokenRequests.push(
          `${req.headers.authorization} ${url.searchParams.get('service')} ${url.searchParams.get('scope')}`,
        );
        if (req.headers.authorization !== basic) return res.writeHead(401).end();
        return res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ token: 'tok-1' }));
      }
      const ok =
        mode === 'bearer'
          ? req.headers.authorization === 'Bearer tok-1'
          : req.headers.authorization === basic;
      if (!ok) {
        const challenge =
          mode === 'bearer'
            ? `Bearer realm="http://${address}/token",service="stub-registry",scope="repository:ns/app:pull,push"`
            : 'Basic realm="stub"';
        return res.writeHead(401, { 'www-authenticate': challenge }).end();
      }
      const ref = url.pathname.split('/manifests/')[1];
      if (req.method === 'PUT') {
        const b = await body(req);
        stored.set(ref, { type: req.headers['content-type'] ?? '', body: b });
        return res.writeHead(201, { 'docker-content-digest': sha256(b) }).end();
      }
      const m = stored.get(ref);
      if (!m) return res.writeHead(404).end();
      return res
        .writeHead(200, { 'content-type': m.type, 'docker-content-digest': sha256(m.body) })
        .end(m.body);
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function client(): RegistryClient {
  const dir = mkdtempSync(join(tmpdir(), 'registry-client-'));
  const path = join(dir, 'config.json');
  writeFileSync(
    path,
    JSON.stringify({ auths: { [address]: { auth: Buffer.from('robot:s3cret').toString('base64') } } }),
  );
  return new RegistryClient({ REGISTRY_INSECURE: true, REGISTRY_AUTH_DOCKERCONFIG: path } as BuildConfig);
}

describe('RegistryClient', () => {
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }),
  );

  it('when the registry asks for a bearer token, then the token is fetched with basic credentials and reused', async () => {
    mode = 'bearer';
    const c = client();
    const t = registryTargetOf(`${address}/ns`, 'app');
    const digest = await c.putManifest(t, 'v1', 'application/vnd.oci.image.index.v1+json', manifest);
    expect(digest).toBe(sha256(manifest));
    await expect(c.getManifest(t, 'v1')).resolves.toMatchObject({
      digest,
      mediaType: 'application/vnd.oci.image.index.v1+json',
    });
    await c.putManifest(t, 'v2', 'application/vnd.oci.image.index.v1+json', manifest);
    expect(tokenRequests).toEqual([
      `${basic} stub-registry repository:ns/app:pull,push`,
      `${basic} stub-registry repository:ns/app:pull,push`,
    ]);
  });

  it('when the registry asks for basic auth, then the dockerconfig credentials answer it', async () => {
    mode = 'basic';
    const c = client();
    const t = registryTargetOf(`${address}/ns`, 'app');
    await expect(c.putManifest(t, 'v3', 'application/vnd.oci.image.index.v1+json', manifest)).resolves.toBe(
      sha256(manifest),
    );
  });
});
