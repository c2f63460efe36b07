// Registers, rotates and binds provider BYOK keys and keeps their posture current; each write and its events commit
// together. Secret material goes to the secret backend and is never part of an answer or an event.
import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type {
  ApproveKeyRotationBody,
  BindProviderKeyBody,
  ProviderKey,
  ProviderKeyBinding,
  ProviderKeyListQuery,
  ProviderKeyPosture,
  RegisterProviderKeyBody,
  RotateProviderKeyBody,
} from '@mcp-host/contracts';
import {
  InjectConfig,
  OutboxService,
  Transactions,
  decodeKeysetCursor,
  encodeKeysetCursor,
  type Manager,
} from '@mcp-host/platform';
import type { ProviderKeysConfig } from './provider-keys.config';
import { ProviderKeyErrorCode, ProviderKeyException } from './provider-key.exception';
import { computePosture, postureVetoes, ProviderKeyClock } from './provider-key.posture';
import { ProviderKeyRepository, type BindingRow, type ProviderKeyRow } from './provider-key.repository';
import type { SecretBackend } from './secret-store';

export const PROVIDER_KEY_SECRETS = Symbol('PROVIDER_KEY_SECRETS');

const iso = (d: Date | null): string | null => (d === null ? null : new Date(d).toISOString());

export function toProviderKey(r: ProviderKeyRow): ProviderKey {
  const posture = r.posture as ProviderKeyPosture;
  return {
    id: r.id,
    provider_id: r.provider_id,
    alias: r.alias,
    posture,
    attestation_digest: r.attestation_digest,
    signature_verified: r.signature_verified,
    rotation_due: iso(r.rotation_due),
    has_secret: r.secret_ref !== null,
    pending_rotation:
      r.pending_digest === null
        ? null
        : {
            attestation_digest: r.pending_digest,
            requested_by: r.pending_requested_by ?? '',
            rotation_due: iso(r.pending_rotation_due),
            requested_at: iso(r.pending_requested_at) ?? '',
          },
    vetoed: postureVetoes(posture),
    version: r.version,
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

function toBinding(b: BindingRow): ProviderKeyBinding {
  return {
    id: b.id,
    key_id: b.key_id,
    provider_id: b.provider_id,
    binding_type: b.binding_type,
    binding_target: b.binding_target,
    context: b.context,
    created_at: new Date(b.created_at).toISOString(),
  };
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const c = decodeKeysetCursor(cursor);
  if (!c)
    throw new ProviderKeyException(
      ProviderKeyErrorCode.INVALID_CURSOR,
      'The cursor is not one this API returned.',
    );
  return { createdAt: c.key, id: c.id };
}

/** The signature is the base64 attestation bundle; it must hash to the digest the client sent. */
function verifySignature(digest: string, signatureB64: string): void {
  const actual = `sha256:${createHash('sha256').update(Buffer.from(signatureB64, 'base64')).digest('hex')}`;
  if (actual !== digest.toLowerCase()) {
    throw new ProviderKeyException(
      ProviderKeyErrorCode.SIGNATURE_MISMATCH,
      `The attestation signature hashes to ${actual}, not ${digest}.`,
      { expected: digest, actual },
    );
  }
}

@Injectable()
export class ProviderKeyService implements OnModuleInit, OnModuleDestroy {
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    private readonly repo: ProviderKeyRepository,
    private readonly tx: Transactions,
    private readonly outbox: OutboxService,
    private readonly clock: ProviderKeyClock,
    @Inject(PROVIDER_KEY_SECRETS) private readonly secrets: SecretBackend,
    @InjectConfig() private readonly config: ProviderKeysConfig,
  ) {}

  onModuleInit(): void {
    this.sweepTimer = setInterval(() => {
      this.sweep().catch(() => undefined);
    }, this.config.PROVIDER_KEYS_POSTURE_SWEEP_MS);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  private posture(state: ProviderKeyRow['state'], due: Date | null): ProviderKeyPosture {
    return computePosture(
      state,
      due,
      this.clock.now(),
      this.config.PROVIDER_KEYS_ROTATION_SOON_DAYS * 86_400_000,
    );
  }

  private async publishPosture(m: Manager, from: string | null, row: ProviderKeyRow): Promise<void> {
    const state = row.posture as ProviderKeyPosture;
    await this.outbox.publish(m, 'provider_key.posture_changed', {
      key_id: row.id,
      provider_id: row.provider_id,
      from_state: from as ProviderKeyPosture | null,
      state,
      rotation_due: iso(row.rotation_due),
      vetoed: postureVetoes(state),
      reason: postureVetoes(state) ? `key:${state}` : null,
      version: row.version,
      changed_at: this.clock.now().toISOString(),
    });
  }

  async register(providerId: string, body: RegisterProviderKeyBody): Promise<ProviderKey> {
    verifySignature(body.attestation_digest, body.attestation_signature);
    const due = body.rotation_due ? new Date(body.rotation_due) : null;
    return this.tx.run(async (m) => {
      const secretRef = body.secret_material ? await this.secrets.put(m, body.secret_material) : null;
      const row = await this.repo.insert(m, {
        id: randomUUID(),
        provider_id: providerId,
        alias: body.alias ?? null,
        state: 'active',
        posture: this.posture('active', due),
        attestation_digest: body.attestation_digest.toLowerCase(),
        signature_verified: true,
        rotation_due: due,
        secret_ref: secretRef,
      });
      await this.outbox.publish(m, 'provider_key.registered', {
        key_id: row.id,
        provider_id: row.provider_id,
        alias: row.alias,
        state: row.posture as ProviderKeyPosture,
        attestation_digest: row.attestation_digest,
        signature_verified: row.signature_verified,
        rotation_due: iso(row.rotation_due),
        version: row.version,
        registered_at: new Date(row.created_at).toISOString(),
      });
      await this.publishPosture(m, null, row);
      return toProviderKey(row);
    });
  }

  async get(providerId: string, id: string): Promise<ProviderKey> {
    const row = await this.tx.read((m) => this.repo.findById(m, providerId, id));
    if (!row) throw this.notFound(providerId, id);
    return toProviderKey(await this.refresh(row));
  }

  async list(
    providerId: string,
    q: ProviderKeyListQuery,
  ): Promise<{ items: ProviderKey[]; next_cursor: string | null }> {
    const rows = await this.tx.read((m) =>
      this.repo.list(m, providerId, q.limit + 1, q.cursor ? decodeCursor(q.cursor) : undefined),
    );
    const page = rows.slice(0, q.limit);
    const items: ProviderKey[] = [];
    for (const r of page) items.push(toProviderKey(await this.refresh(r)));
    return {
      items,
      next_cursor:
        rows.length > q.limit
          ? encodeKeysetCursor(page[page.length - 1].cursor_ts, page[page.length - 1].id)
          : null,
    };
  }

  async rotate(providerId: string, id: string, body: RotateProviderKeyBody): Promise<ProviderKey> {
    verifySignature(body.attestation_digest, body.attestation_signature);
    return this.tx.run(async (m) => {
      const current = await this.repo.findById(m, providerId, id);
      if (!current) throw this.notFound(providerId, id);
      const secretRef = body.secret_material ? await this.secrets.put(m, body.secret_material) : null;
      const now = this.clock.now();
      const row = await this.repo.requestRotation(m, id, {
        digest: body.attestation_digest.toLowerCase(),
        by: body.actor_ref,
        due: body.rotation_due ? new Date(body.rotation_due) : null,
        at: now,
        secretRef,
        posture: 'rotating',
      });
      if (!row) throw await this.notActive(m, providerId, id);
      await this.outbox.publish(m, 'provider_key.rotated', {
        key_id: row.id,
        provider_id: row.provider_id,
        previous_attestation_digest: row.attestation_digest,
        attestation_digest: row.pending_digest ?? row.attestation_digest,
        actor_ref: body.actor_ref,
        state: 'rotating',
        rotation_due: iso(row.pending_rotation_due),
        version: row.version,
        rotated_at: now.toISOString(),
      });
      await this.publishPosture(m, current.posture, row);
      return toProviderKey(row);
    });
  }

  async approveRotation(
    providerId: string,
    id: string,
    body: ApproveKeyRotationBody,
    caller?: string,
  ): Promise<ProviderKey> {
    const approver = body.actor_ref ?? caller;
    if (!approver) {
      throw new ProviderKeyException(
        ProviderKeyErrorCode.APPROVER_REQUIRED,
        'An approval needs actor_ref (or an authenticated caller).',
      );
    }
    return this.tx.run(async (m) => {
      const current = await this.repo.findById(m, providerId, id);
      if (!current) throw this.notFound(providerId, id);
      if (current.state !== 'rotating') {
        throw new ProviderKeyException(
          ProviderKeyErrorCode.NO_PENDING_ROTATION,
          `Key ${id} has no rotation waiting for approval.`,
        );
      }
      if (current.pending_requested_by === approver) {
        throw new ProviderKeyException(
          ProviderKeyErrorCode.SELF_APPROVAL,
          `${approver} requested this rotation and cannot approve it; another operator must.`,
        );
      }
      const posture = this.posture('active', current.pending_rotation_due);
      const row = await this.repo.completeRotation(m, id, current.version, posture);
      if (!row) {
        throw new ProviderKeyException(
          ProviderKeyErrorCode.NO_PENDING_ROTATION,
          `Key ${id} changed while approving; reload it and try again.`,
        );
      }
      await this.outbox.publish(m, 'provider_key.rotated', {
        key_id: row.id,
        provider_id: row.provider_id,
        previous_attestation_digest: current.attestation_digest,
        attestation_digest: row.attestation_digest,
        actor_ref: approver,
        state: posture,
        rotation_due: iso(row.rotation_due),
        version: row.version,
        rotated_at: this.clock.now().toISOString(),
      });
      await this.publishPosture(m, current.posture, row);
      return toProviderKey(row);
    });
  }

  async bind(providerId: string, id: string, body: BindProviderKeyBody): Promise<ProviderKeyBinding> {
    return this.tx.run(async (m) => {
      const key = await this.repo.findById(m, providerId, id);
      if (!key) throw this.notFound(providerId, id);
      if (key.state === 'revoked') {
        throw new ProviderKeyException(
          ProviderKeyErrorCode.KEY_REVOKED,
          `Key ${id} is revoked and cannot be bound.`,
        );
      }
      const b = await this.repo.insertBinding(m, {
        id: randomUUID(),
        key_id: id,
        provider_id: providerId,
        binding_type: body.binding_type,
        binding_target: body.binding_target,
        context: body.context ?? {},
      });
      const binding = toBinding(b);
      await this.outbox.publish(m, 'provider_key.bound', {
        key_id: id,
        provider_id: providerId,
        binding_id: binding.id,
        binding_type: binding.binding_type,
        binding_target: binding.binding_target,
        context: binding.context,
        bound_at: binding.created_at,
      });
      return binding;
    });
  }

  async bindings(
    providerId: string,
    id: string,
    q: ProviderKeyListQuery,
  ): Promise<{ items: ProviderKeyBinding[]; next_cursor: string | null }> {
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows = await this.tx.read(async (m) => {
      if (!(await this.repo.findById(m, providerId, id))) throw this.notFound(providerId, id);
      return this.repo.listBindings(m, id, q.limit + 1, after);
    });
    const page = rows.slice(0, q.limit);
    return {
      items: page.map(toBinding),
      next_cursor:
        rows.length > q.limit
          ? encodeKeysetCursor(page[page.length - 1].cursor_ts, page[page.length - 1].id)
          : null,
    };
  }

  /** Recomputes every live key's posture against the clock and publishes each change; answers how many changed. */
  async sweep(): Promise<number> {
    let changed = 0;
    let after: string | undefined;
    for (;;) {
      const rows = await this.tx.read((m) => this.repo.listLive(m, 200, after));
      for (const r of rows) if ((await this.refresh(r)).posture !== r.posture) changed++;
      if (rows.length < 200) return changed;
      after = rows[rows.length - 1].id;
    }
  }

  /** The row with its posture brought up to the clock; a change is written (version-guarded) and published. */
  private async refresh(row: ProviderKeyRow): Promise<ProviderKeyRow> {
    const posture = this.posture(row.state, row.rotation_due);
    if (posture === row.posture) return row;
    return this.tx.run(async (m) => {
      const updated = await this.repo.setPosture(m, row.id, row.version, posture);
      if (!updated) {
        // Another writer moved the key first; its own write published the change.
        return (await this.repo.findById(m, row.provider_id, row.id)) ?? row;
      }
      await this.publishPosture(m, row.posture, updated);
      return updated;
    });
  }

  private notFound(providerId: string, id: string): ProviderKeyException {
    return new ProviderKeyException(
      ProviderKeyErrorCode.NOT_FOUND,
      `No key ${id} for provider ${providerId}.`,
    );
  }

  private async notActive(m: Manager, providerId: string, id: string): Promise<ProviderKeyException> {
    const current = await this.repo.findById(m, providerId, id);
    if (!current) return this.notFound(providerId, id);
    if (current.state === 'revoked') {
      return new ProviderKeyException(ProviderKeyErrorCode.KEY_REVOKED, `Key ${id} is revoked.`);
    }
    return new ProviderKeyException(
      ProviderKeyErrorCode.ROTATION_PENDING,
      `Key ${id} already has a rotation waiting for approval.`,
      { requested_by: current.pending_requested_by },
    );
  }
}
