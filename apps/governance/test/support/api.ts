// HTTP and ledger helpers shared by the governance integration tests: calls with the gateway's identity headers,
// workflows, recorded artifacts, and runs driven to an outcome.
import { randomBytes, randomUUID } from 'node:crypto';
import type { EventPayload } from '@mcp-host/contracts';
import type { Harness } from '@mcp-host/policy-engine/testing';

export interface Identity {
  subject?: string;
  role?: 'viewer' | 'operator' | 'admin';
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T & { error?: { code: string; message: string; details?: Record<string, unknown> } };
}

export function api(h: Harness) {
  async function call<T = Record<string, unknown>>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    who: Identity = { subject: 'operator@example.com', role: 'operator' },
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (who.subject) headers['x-mcp-host-subject'] = who.subject;
    if (who.role) headers['x-mcp-host-role'] = who.role;
    const res = await fetch(`${h.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Answer<T>['body'] };
  }

  async function ok<T = Record<string, unknown>>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    who?: Identity,
  ): Promise<T> {
    const res = await call<T>(method, path, body, who);
    if (res.status >= 300)
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  return { call, ok };
}

let seq = 0;
export function unique(prefix: string): string {
  seq += 1;
  return `${prefix}-${Date.now().toString(36)}-${seq}`;
}

export function newDigest(): string {
  return `sha256:${randomBytes(32).toString('hex')}`;
}

/** Records a ledger run for `digest` as the build-service would, and waits until governance has projected it. */
export async function recordArtifact(h: Harness, digest: string): Promise<string> {
  const id = randomUUID();
  const at = new Date().toISOString();
  const payload: EventPayload<'artifact.recorded'> = {
    id,
    server_id: randomUUID(),
    build_id: null,
    source_repo: 'https://example.com/acme/router.git',
    source_branch: 'main',
    source_revision: null,
    local_image: 'router:local',
    registry_image: 'registry.example.com/router:1',
    manifest_tag: '1',
    manifest_digest: digest,
    started_at: at,
    completed_at: at,
    multi_arch: false,
    auth_refresh_attempted: false,
    auth_refresh_succeeded: false,
    auth_rotation_attempted: false,
    auth_rotation_succeeded: false,
    credential_health_status: 'healthy',
    status: 'succeeded',
    platforms: [],
  };
  await h.waitForInbox(await h.publishFromPolicy('artifact.recorded', payload));
  return id;
}
