// The registry HTTP API (distribution spec) through undici: manifests, tags and deletes, answering the registry's
// auth challenge with basic auth or the bearer token flow, with credentials from the dockerconfig.
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { request } from 'undici';
import { InjectConfig } from '@mcp-host/platform';
import type { BuildConfig } from '../config/build-config';
import { readCredentials, type RegistryCredentials } from '../credentials/docker-config';
import type { RegistryTarget } from './registry-target';

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export class RegistryHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  size: number;
  body: Buffer;
}

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^(\w+)\s*(.*)$/.exec(header.trim());
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2].matchAll(/(\w+)="([^"]*)"/g)) params[p[1]] = p[2];
  return { scheme: m[1].toLowerCase(), params };
}

export function sha256(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

@Injectable()
export class RegistryClient {
  /** Bearer tokens per endpoint + scope, reused until the registry rejects them. */
  private readonly tokens = new Map<string, string>();

  constructor(@InjectConfig() private readonly config: BuildConfig) {}

  private base(t: RegistryTarget): string {
    return `${this.config.REGISTRY_INSECURE ? 'http' : 'https'}://${t.endpoint}/v2/${t.repository}`;
  }

  async getManifest(t: RegistryTarget, reference: string): Promise<FetchedManifest | undefined> {
    const res = await this.send(t, 'GET', `/manifests/${reference}`, { accept: MANIFEST_TYPES.join(', ') });
    if (res.status === 404) return undefined;
    if (res.status !== 200)
      throw new RegistryHttpError(res.status, `GET manifest ${reference}: ${res.status} ${res.text()}`);
    const body = res.body;
    const mediaType =
      (JSON.parse(body.toString('utf8')) as { mediaType?: string }).mediaType ??
      (res.headers['content-type'] as string | undefined) ??
      MANIFEST_TYPES[3];
    return {
      digest: (res.headers['docker-content-digest'] as string | undefined) ?? sha256(body),
      mediaType,
      size: body.length,
      body,
    };
  }

  /** PUTs a manifest under a tag and returns its digest. */
  async putManifest(t: RegistryTarget, reference: string, mediaType: string, body: Buffer): Promise<string> {
    const res = await this.send(t, 'PUT', `/manifests/${reference}`, { 'content-type': mediaType }, body);
    if (res.status !== 201 && res.status !== 200) {
      throw new RegistryHttpError(res.status, `PUT manifest ${reference}: ${res.status} ${res.text()}`);
    }
    return (res.headers['docker-content-digest'] as string | undefined) ?? sha256(body);
  }

  async listTags(t: RegistryTarget): Promise<string[]> {
    const res = await this.send(t, 'GET', '/tags/list', {});
    if (res.status === 404) return [];
    if (res.status !== 200) throw new RegistryHttpError(res.status, `GET tags: ${res.status} ${res.text()}`);
    return (JSON.parse(res.text()) as { tags?: string[] | null }).tags ?? [];
  }

  async deleteManifest(t: RegistryTarget, digest: string): Promise<void> {
    const res = await this.send(t, 'DELETE', `/manifests/${digest}`, {});
    if (res.status !== 202 && res.status !== 200 && res.status !== 404) {
      throw new RegistryHttpError(res.status, `DELETE manifest ${digest}: ${res.status} ${res.text()}`);
    }
  }

  private async send(
    t: RegistryTarget,
    method: 'GET' | 'PUT' | 'DELETE' | 'HEAD',
    path: string,
    headers: Record<string, string>,
    body?: Buffer,
  ): Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
    text(): string;
  }> {
    const scope = `repository:${t.repository}:${method === 'GET' || method === 'HEAD' ? 'pull' : method === 'DELETE' ? 'delete,pull' : 'push,pull'}`;
    const tokenKey = `${t.endpoint} ${scope}`;
    const once = async (authorization: string | undefined) => {
      const res = await request(`${this.base(t)}${path}`, {
        method,
        headers: authorization ? { ...headers, authorization } : headers,
        body,
        headersTimeout: 30_000,
        bodyTimeout: 60_000,
      });
      const buf = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, headers: res.headers, body: buf, text: () => buf.toString('utf8') };
    };
    const cached = this.tokens.get(tokenKey);
    let res = await once(cached ? `Bearer ${cached}` : await this.basicHeader(t));
    if (res.status !== 401) return res;
    const challenge = parseChallenge(res.headers['www-authenticate'] as string | undefined);
    const creds = await readCredentials(this.config.REGISTRY_AUTH_DOCKERCONFIG, t.endpoint);
    if (challenge?.scheme === 'basic' && creds) {
      res = await once(basic(creds));
    } else if (challenge?.scheme === 'bearer' && challenge.params.realm) {
      const token = await this.fetchToken(challenge, scope, creds);
      this.tokens.set(tokenKey, token);
      res = await once(`Bearer ${token}`);
    }
    if (res.status === 401) this.tokens.delete(tokenKey);
    return res;
  }

  private async basicHeader(t: RegistryTarget): Promise<string | undefined> {
    const creds = await readCredentials(this.config.REGISTRY_AUTH_DOCKERCONFIG, t.endpoint);
    return creds ? basic(creds) : undefined;
  }

  private async fetchToken(
    c: Challenge,
    scope: string,
    creds: RegistryCredentials | undefined,
  ): Promise<string> {
    const url = new URL(c.params.realm);
    if (c.params.service) url.searchParams.set('service', c.params.service);
    url.searchParams.set('scope', c.params.scope ?? scope);
    const res = await request(url, { method: 'GET', headers: creds ? { authorization: basic(creds) } : {} });
    const text = await res.body.text();
    if (res.statusCode !== 200)
      throw new RegistryHttpError(res.statusCode, `token endpoint: ${res.statusCode} ${text}`);
    const json = JSON.parse(text) as { token?: string; access_token?: string };
    const token = json.token ?? json.access_token;
    if (!token) throw new RegistryHttpError(500, 'token endpoint returned no token');
    return token;
  }
}

function basic(c: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}
