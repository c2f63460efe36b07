// Small helpers the build tests share: HTTP calls, waiting for a build to finish, reading the registry.
import { request } from 'undici';
import type { BuildRun, Server } from '@mcp-host/contracts';
import type { Harness } from '@mcp-host/policy-engine/testing';
import { waitFor } from '@mcp-host/platform/testing';

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export async function call<T = Record<string, unknown>>(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<HttpAnswer<T>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

export async function waitForBuild(base: string, id: string, timeoutMs = 90_000): Promise<BuildRun> {
  return waitFor(
    async () => {
      const res = await call<BuildRun>(base, 'GET', `/api/builds/${id}`);
      return res.body.status === 'succeeded' || res.body.status === 'failed' ? res.body : undefined;
    },
    { timeoutMs, intervalMs: 200, what: `build ${id} to finish` },
  );
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface RegistryManifest {
  status: number;
  digest: string | undefined;
  json: {
    mediaType?: string;
    config?: { digest: string };
    manifests?: { digest: string; mediaType: string; platform: { os: string; architecture: string } }[];
  };
}

/** Reads a manifest straight from a registry (`127.0.0.1:<port>`), bypassing any proxy. */
export async function readManifest(
  registry: string,
  repository: string,
  reference: string,
  auth?: { user: string; password: string },
): Promise<RegistryManifest> {
  const res = await request(`http://${registry}/v2/${repository}/manifests/${reference}`, {
    headers: {
      accept: ACCEPT,
      ...(auth
        ? { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` }
        : {}),
    },
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    digest: res.headers['docker-content-digest'] as string | undefined,
    json: res.statusCode === 200 ? (JSON.parse(text) as RegistryManifest['json']) : {},
  };
}

export function dockerConfig(registry: string, user: string, password: string): string {
  return JSON.stringify({
    auths: { [registry]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } },
  });
}

let serverSeq = 0;

/**
 * Registers a server building `repoPath` (branch main) with the policy engine and waits until the build-service's
 * projection holds it, so a build may start at once. Names are unique per call.
 */
export async function registerBuildableServer(
  h: Harness,
  prefix: string,
  repoPath: string,
  extra: Record<string, unknown> = {},
): Promise<Server> {
  serverSeq += 1;
  const server = await h.registerServer({
    name: `${prefix}-${Date.now().toString(36)}-${serverSeq}`,
    server_type: 'Router',
    source_repository: repoPath,
    source_branch: 'main',
    ...extra,
  });
  await waitFor(
    async () =>
      (await h.serviceDb.query<unknown[]>('SELECT 1 FROM servers WHERE id = $1', [server.id])).length > 0,
    { timeoutMs: 15_000, what: 'the server in the projection' },
  );
  return server;
}
