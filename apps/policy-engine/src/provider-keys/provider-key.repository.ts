// Every query of provider keys and their bindings; each method takes the manager it runs on.
import { Injectable } from '@nestjs/common';
import type { Manager } from '@mcp-host/platform';

export interface ProviderKeyRow {
  id: string;
  provider_id: string;
  alias: string | null;
  state: 'active' | 'rotating' | 'revoked';
  posture: string;
  attestation_digest: string;
  signature_verified: boolean;
  rotation_due: Date | null;
  secret_ref: string | null;
  pending_digest: string | null;
  pending_requested_by: string | null;
  pending_rotation_due: Date | null;
  pending_requested_at: Date | null;
  pending_secret_ref: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface BindingRow {
  id: string;
  key_id: string;
  provider_id: string;
  binding_type: 'workspace' | 'runtime' | 'server';
  binding_target: string;
  context: Record<string, unknown>;
  created_at: Date;
}

const COLUMNS = `id, provider_id, alias, state, posture, attestation_digest, signature_verified, rotation_due, secret_ref,
  pending_digest, pending_requested_by, pending_rotation_due, pending_requested_at, pending_secret_ref, version,
  created_at, updated_at`;

@Injectable()
export class ProviderKeyRepository {
  async findById(m: Manager, providerId: string, id: string): Promise<ProviderKeyRow | undefined> {
    const rows = (await m.query(`SELECT ${COLUMNS} FROM provider_keys WHERE id = $1 AND provider_id = $2`, [
      id,
      providerId,
    ])) as ProviderKeyRow[];
    return rows[0];
  }

  async list(
    m: Manager,
    providerId: string,
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<(ProviderKeyRow & { cursor_ts: string })[]> {
    const params: unknown[] = [providerId];
    let where = 'provider_id = $1';
    if (after) {
      params.push(after.createdAt, after.id);
      where += ' AND (created_at, id) > ($2::timestamptz, $3::uuid)';
    }
    params.push(limit);
    return (await m.query(
      `SELECT ${COLUMNS}, created_at::text AS cursor_ts FROM provider_keys WHERE ${where}
       ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    )) as (ProviderKeyRow & { cursor_ts: string })[];
  }

  /** Keys whose stored posture may be out of date: every key not revoked, in id order. */
  async listLive(m: Manager, limit: number, afterId?: string): Promise<ProviderKeyRow[]> {
    return (await m.query(
      `SELECT ${COLUMNS} FROM provider_keys WHERE state <> 'revoked' AND ($1::uuid IS NULL OR id > $1::uuid)
       ORDER BY id LIMIT $2`,
      [afterId ?? null, limit],
    )) as ProviderKeyRow[];
  }

  async insert(
    m: Manager,
    k: Pick<
      ProviderKeyRow,
      | 'id'
      | 'provider_id'
      | 'alias'
      | 'state'
      | 'posture'
      | 'attestation_digest'
      | 'signature_verified'
      | 'rotation_due'
      | 'secret_ref'
    >,
  ): Promise<ProviderKeyRow> {
    const rows = (await m.query(
      `INSERT INTO provider_keys (id, provider_id, alias, state, posture, attestation_digest, signature_verified,
         rotation_due, secret_ref)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [
        k.id,
        k.provider_id,
        k.alias,
        k.state,
        k.posture,
        k.attestation_digest,
        k.signature_verified,
        k.rotation_due,
        k.secret_ref,
      ],
    )) as ProviderKeyRow[];
    return rows[0];
  }

  /** Records a rotation request only if the key is still active (one request wins a race). */
  async requestRotation(
    m: Manager,
    id: string,
    r: { digest: string; by: string; due: Date | null; at: Date; secretRef: string | null; posture: string },
  ): Promise<ProviderKeyRow | undefined> {
    const [rows] = (await m.query(
      `UPDATE provider_keys SET state = 'rotating', posture = $7, pending_digest = $2, pending_requested_by = $3,
         pending_rotation_due = $4, pending_requested_at = $5, pending_secret_ref = $6, version = version + 1,
         updated_at = now()
       WHERE id = $1 AND state = 'active' RETURNING ${COLUMNS}`,
      [id, r.digest, r.by, r.due, r.at, r.secretRef, r.posture],
    )) as [ProviderKeyRow[], number];
    return rows[0];
  }

  /** Applies the pending rotation only if the key is still at `version` and rotating. */
  async completeRotation(
    m: Manager,
    id: string,
    version: number,
    posture: string,
  ): Promise<ProviderKeyRow | undefined> {
    const [rows] = (await m.query(
      `UPDATE provider_keys SET state = 'active', posture = $3, attestation_digest = pending_digest,
         rotation_due = pending_rotation_due, secret_ref = COALESCE(pending_secret_ref, secret_ref),
         pending_digest = NULL, pending_requested_by = NULL, pending_rotation_due = NULL, pending_requested_at = NULL,
         pending_secret_ref = NULL, version = version + 1, updated_at = now()
       WHERE id = $1 AND version = $2 AND state = 'rotating' RETURNING ${COLUMNS}`,
      [id, version, posture],
    )) as [ProviderKeyRow[], number];
    return rows[0];
  }

  async setPosture(
    m: Manager,
    id: string,
    version: number,
    posture: string,
  ): Promise<ProviderKeyRow | undefined> {
    const [rows] = (await m.query(
      `UPDATE provider_keys SET posture = $3, version = version + 1, updated_at = now()
       WHERE id = $1 AND version = $2 RETURNING ${COLUMNS}`,
      [id, version, posture],
    )) as [ProviderKeyRow[], number];
    return rows[0];
  }

  async insertBinding(m: Manager, b: Omit<BindingRow, 'created_at'>): Promise<BindingRow> {
    const rows = (await m.query(
      `INSERT INTO provider_key_bindings (id, key_id, provider_id, binding_type, binding_target, context)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, key_id, provider_id, binding_type, binding_target, context, created_at`,
      [b.id, b.key_id, b.provider_id, b.binding_type, b.binding_target, JSON.stringify(b.context)],
    )) as BindingRow[];
    return rows[0];
  }

  async listBindings(
    m: Manager,
    keyId: string,
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<(BindingRow & { cursor_ts: string })[]> {
    const params: unknown[] = [keyId];
    let where = 'key_id = $1';
    if (after) {
      params.push(after.createdAt, after.id);
      where += ' AND (created_at, id) > ($2::timestamptz, $3::uuid)';
    }
    params.push(limit);
    return (await m.query(
      `SELECT id, key_id, provider_id, binding_type, binding_target, context, created_at, created_at::text AS cursor_ts
       FROM provider_key_bindings WHERE ${where} ORDER BY created_at, id LIMIT $${params.length}`,
      params,
    )) as (BindingRow & { cursor_ts: string })[];
  }
}
