// Secret material of provider keys, behind a backend interface. The database backend uses envelope encryption: a
// fresh 32-byte data key per secret encrypts the material with AES-256-GCM, and the master key wraps that data key
// (AES-256-GCM again); only the envelope (ciphertexts, IVs, tags) is stored, never the material or the data key.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { CommonErrorCode, commonError, type Manager } from '@mcp-host/platform';

export interface SecretBackend {
  readonly name: string;
  /** Stores the material and answers the reference the key row keeps. */
  put(m: Manager, material: string): Promise<string>;
  /** The material in clear, for the workload that uses the key; no endpoint returns it. */
  get(m: Manager, ref: string): Promise<string | undefined>;
}

export interface Envelope {
  alg: 'AES-256-GCM';
  iv: string;
  tag: string;
  ciphertext: string;
  wrapped_key: { iv: string; tag: string; ciphertext: string };
}

function seal(key: Buffer, clear: Buffer): { iv: string; tag: string; ciphertext: string } {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([c.update(clear), c.final()]);
  return {
    iv: iv.toString('base64'),
    tag: c.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
}

function open(key: Buffer, box: { iv: string; tag: string; ciphertext: string }): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'));
  d.setAuthTag(Buffer.from(box.tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(box.ciphertext, 'base64')), d.final()]);
}

export function encryptEnvelope(masterKey: Buffer, material: string): Envelope {
  const dataKey = randomBytes(32);
  const body = seal(dataKey, Buffer.from(material, 'utf8'));
  const wrapped = seal(masterKey, dataKey);
  dataKey.fill(0);
  return { alg: 'AES-256-GCM', ...body, wrapped_key: wrapped };
}

export function decryptEnvelope(masterKey: Buffer, e: Envelope): string {
  const dataKey = open(masterKey, e.wrapped_key);
  try {
    return open(dataKey, e).toString('utf8');
  } finally {
    dataKey.fill(0);
  }
}

/** Envelopes in the policy engine's own `provider_key_secrets` table, written in the caller's transaction. */
export class DatabaseSecretBackend implements SecretBackend {
  readonly name = 'database';

  constructor(private readonly masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('the provider key master key must be 32 bytes');
  }

  async put(m: Manager, material: string): Promise<string> {
    const id = randomUUID();
    await m.query('INSERT INTO provider_key_secrets (id, backend, envelope) VALUES ($1, $2, $3)', [
      id,
      this.name,
      JSON.stringify(encryptEnvelope(this.masterKey, material)),
    ]);
    return id;
  }

  async get(m: Manager, ref: string): Promise<string | undefined> {
    const rows = (await m.query('SELECT envelope FROM provider_key_secrets WHERE id = $1', [ref])) as {
      envelope: Envelope;
    }[];
    return rows[0] ? decryptEnvelope(this.masterKey, rows[0].envelope) : undefined;
  }
}

export interface VaultKvOptions {
  /** e.g. `http://127.0.0.1:8200`. */
  address: string;
  token: string;
  /** The KV v2 mount, e.g. `secret`. */
  mount: string;
  /** Path prefix under the mount, e.g. `mcp-host/provider-keys`. */
  prefix: string;
  /** Vault Enterprise / OpenBao namespace, sent as `X-Vault-Namespace`. */
  namespace?: string;
  timeoutMs?: number;
}

/**
 * HashiCorp Vault or OpenBao KV v2 over HTTP: the material is written to `/v1/<mount>/data/<prefix>/<id>` as
 * `{ data: { value } }`; the policy engine keeps only a row naming the path and the KV version, never the material.
 */
export class VaultKvSecretBackend implements SecretBackend {
  readonly name = 'vault-kv2';

  constructor(private readonly o: VaultKvOptions) {}

  private url(id: string): string {
    const path = [this.o.mount, 'data', ...this.o.prefix.split('/'), id]
      .filter(Boolean)
      .map(encodeURIComponent);
    return `${this.o.address.replace(/\/+$/, '')}/v1/${path.join('/')}`;
  }

  private headers(): Record<string, string> {
    return {
      'content-type': 'application/json',
      'x-vault-token': this.o.token,
      ...(this.o.namespace ? { 'x-vault-namespace': this.o.namespace } : {}),
    };
  }

  /**
   * One call to the store. A store that cannot be reached, times out or answers with an error is a dependency
   * problem, not the caller's: 503 DEPENDENCY_UNAVAILABLE naming the store and what it answered (never the material).
   */
  private async call(
    what: 'writing' | 'reading',
    url: string,
    init: RequestInit,
    pass: readonly number[] = [],
  ): Promise<Response> {
    const where = `the secret store (${this.name} at ${this.o.address})`;
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000) });
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string }; message?: string };
      const why =
        e.name === 'TimeoutError'
          ? `did not answer within ${this.o.timeoutMs ?? 5000} ms`
          : `cannot be reached (${e.cause?.code ?? e.message ?? 'connection failed'})`;
      throw commonError(
        CommonErrorCode.DEPENDENCY_UNAVAILABLE,
        `${where} ${why} ${what} a provider key secret; nothing was stored, retry shortly.`,
        { details: { backend: this.name, operation: what }, retryAfterSeconds: 5 },
      );
    }
    if (res.ok || pass.includes(res.status)) return res;
    const errors = await res
      .json()
      .then((b: unknown) => (b as { errors?: unknown })?.errors)
      .catch(() => undefined);
    const said =
      Array.isArray(errors) && errors.length > 0 ? `: ${errors.map(String).join('; ').slice(0, 300)}` : '';
    throw commonError(
      CommonErrorCode.DEPENDENCY_UNAVAILABLE,
      `${where} answered ${res.status} ${what} a provider key secret${said}; nothing was stored, retry shortly.`,
      { details: { backend: this.name, operation: what, store_status: res.status }, retryAfterSeconds: 5 },
    );
  }

  async put(m: Manager, material: string): Promise<string> {
    const id = randomUUID();
    const res = await this.call('writing', this.url(id), {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({ data: { value: material } }),
    });
    const body = (await res.json()) as { data?: { version?: number } };
    await m.query('INSERT INTO provider_key_secrets (id, backend, envelope) VALUES ($1, $2, $3)', [
      id,
      this.name,
      JSON.stringify({
        mount: this.o.mount,
        path: `${this.o.prefix}/${id}`,
        version: body.data?.version ?? null,
      }),
    ]);
    return id;
  }

  async get(m: Manager, ref: string): Promise<string | undefined> {
    const rows = (await m.query('SELECT envelope FROM provider_key_secrets WHERE id = $1 AND backend = $2', [
      ref,
      this.name,
    ])) as { envelope: { version: number | null } }[];
    if (!rows[0]) return undefined;
    const version = rows[0].envelope.version;
    const res = await this.call(
      'reading',
      `${this.url(ref)}${version ? `?version=${version}` : ''}`,
      { headers: this.headers() },
      [404],
    );
    if (res.status === 404) return undefined;
    const body = (await res.json()) as { data?: { data?: { value?: unknown } } };
    const value = body.data?.data?.value;
    return typeof value === 'string' ? value : undefined;
  }
}
