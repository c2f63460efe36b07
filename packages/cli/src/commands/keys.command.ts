// `mcpctl keys register|list|get|rotate|approve-rotation|bind|bindings|watch`: provider BYOK keys. The attestation
// bundle is hashed here and sent base64-encoded as the signature; the API checks one against the other.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  PROVIDER_KEY_BINDING_TYPES,
  providerKeyBindingListResponseSchema,
  providerKeyBindingSchema,
  providerKeyListResponseSchema,
  providerKeyPostureChangedSchema,
  providerKeySchema,
  type ProviderKey,
  type ProviderKeyBinding,
} from '@mcp-host/contracts';
import { Command, InvalidArgumentError, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { CliError } from '../cli-error';
import { resolveConnection, type GlobalOptions } from '../connection';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { shortDigest, type Column, type Output } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';
import { followSse, parseJsonObject } from './governance.command';

const KEY_COLUMNS: readonly Column<ProviderKey>[] = [
  { header: 'ID', value: (k) => k.id },
  { header: 'ALIAS', value: (k) => k.alias },
  { header: 'POSTURE', value: (k) => k.posture },
  { header: 'ROTATION DUE', value: (k) => k.rotation_due },
  { header: 'ATTESTATION', value: (k) => shortDigest(k.attestation_digest) },
  { header: 'VETO', value: (k) => (k.vetoed ? 'yes' : 'no') },
];

const BINDING_COLUMNS: readonly Column<ProviderKeyBinding>[] = [
  { header: 'ID', value: (b) => b.id },
  { header: 'TYPE', value: (b) => b.binding_type },
  { header: 'TARGET', value: (b) => b.binding_target },
  { header: 'CREATED', value: (b) => b.created_at },
];

/** Reads the attestation bundle and answers its `sha256:` digest and base64 form. */
export function attestationOf(
  io: CliIo,
  path: string,
): { attestation_digest: string; attestation_signature: string } {
  let bundle: Buffer;
  try {
    bundle = readFileSync(resolve(io.cwd(), path));
  } catch {
    throw new CliError(`Cannot read the attestation bundle ${path}.`);
  }
  return {
    attestation_digest: `sha256:${createHash('sha256').update(bundle).digest('hex')}`,
    attestation_signature: bundle.toString('base64'),
  };
}

function rfc3339(value: string): string {
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new InvalidArgumentError('must be an RFC 3339 timestamp, e.g. 2027-01-31T00:00:00Z.');
  }
  return value;
}

function printKey(out: Output, k: ProviderKey): void {
  out.record([
    ['id', k.id],
    ['provider', k.provider_id],
    ['alias', k.alias],
    ['posture', k.posture],
    ['vetoed', k.vetoed],
    ['rotation due', k.rotation_due],
    ['attestation', k.attestation_digest],
    ['signature verified', k.signature_verified],
    ['secret stored', k.has_secret],
    [
      'pending rotation',
      k.pending_rotation
        ? `${k.pending_rotation.attestation_digest} by ${k.pending_rotation.requested_by}`
        : null,
    ],
    ['version', k.version],
    ['created', k.created_at],
    ['updated', k.updated_at],
  ]);
}

export function registerKeysCommands(program: Command, io: CliIo): void {
  const keys = program
    .command('keys')
    .description('Provider BYOK keys: attestation, posture, rotation and bindings.');

  keys
    .command('register')
    .description('Register a provider key with its attestation bundle.')
    .argument('<provider-id>', 'the provider, e.g. openai')
    .option('--alias <label>', 'a name for the key')
    .requiredOption('--attestation <path>', 'the attestation bundle file')
    .option('--rotation-due <rfc3339>', 'when the key must be rotated', rfc3339)
    .action(
      async (
        providerId: string,
        opts: { alias?: string; attestation: string; rotationDue?: string },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const body = await client.call(API.providerKeysRegister, {
          params: { providerId },
          body: {
            ...attestationOf(io, opts.attestation),
            ...(opts.alias !== undefined ? { alias: opts.alias } : {}),
            ...(opts.rotationDue !== undefined ? { rotation_due: opts.rotationDue } : {}),
          },
        });
        if (out.json) return out.raw(body);
        printKey(out, decode(providerKeySchema, body, 'POST /api/providers/:providerId/keys'));
      },
    );

  keys
    .command('list')
    .description('List the keys of a provider with their posture.')
    .argument('<provider-id>', 'the provider')
    .addOption(new Option('--limit <n>', 'keys per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every key')
    .action(async (providerId: string, opts: { limit?: number; all?: boolean }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const path = API.providerKeysList.path.replace(':providerId', encodeURIComponent(providerId));
      const page = await fetchPages(
        client,
        { method: 'GET', path },
        { limit: opts.limit },
        opts.all === true,
      );
      if (out.json) return out.raw(page);
      const { items, next_cursor } = decode(
        providerKeyListResponseSchema,
        page,
        'GET /api/providers/:providerId/keys',
      );
      out.table(items, KEY_COLUMNS, 'No keys.');
      if (next_cursor !== null) out.line('More keys exist: pass --all to list them.');
    });

  keys
    .command('get')
    .description('Show one key and its posture.')
    .argument('<provider-id>', 'the provider')
    .argument('<key-id>', 'the key id')
    .action(async (providerId: string, keyId: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = await client.call(API.providerKeysGet, { params: { providerId, keyId } });
      if (out.json) return out.raw(body);
      printKey(out, decode(providerKeySchema, body, 'GET /api/providers/:providerId/keys/:keyId'));
    });

  keys
    .command('rotate')
    .description('Request a rotation to a new attestation; another operator approves it.')
    .argument('<provider-id>', 'the provider')
    .argument('<key-id>', 'the key id')
    .requiredOption('--attestation <path>', 'the new attestation bundle file')
    .requiredOption('--actor-ref <ref>', 'who requests the rotation (audit trail)')
    .option('--rotation-due <rfc3339>', 'the next rotation deadline', rfc3339)
    .action(
      async (
        providerId: string,
        keyId: string,
        opts: { attestation: string; actorRef: string; rotationDue?: string },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const body = await client.call(API.providerKeysRotate, {
          params: { providerId, keyId },
          body: {
            ...attestationOf(io, opts.attestation),
            actor_ref: opts.actorRef,
            ...(opts.rotationDue !== undefined ? { rotation_due: opts.rotationDue } : {}),
          },
        });
        if (out.json) return out.raw(body);
        printKey(out, decode(providerKeySchema, body, 'POST /api/providers/:providerId/keys/:keyId/rotate'));
      },
    );

  keys
    .command('approve-rotation')
    .description('Approve a pending rotation (the requester cannot approve their own).')
    .argument('<provider-id>', 'the provider')
    .argument('<key-id>', 'the key id')
    .option('--actor-ref <ref>', 'who approves (defaults to the token subject)')
    .option('--note <text>', 'a note for the audit trail')
    .action(
      async (providerId: string, keyId: string, opts: { actorRef?: string; note?: string }, cmd: Command) => {
        const { client, out } = contextFor(cmd, io);
        const body = await client.call(API.providerKeysApproveRotation, {
          params: { providerId, keyId },
          body: {
            ...(opts.actorRef !== undefined ? { actor_ref: opts.actorRef } : {}),
            ...(opts.note !== undefined ? { note: opts.note } : {}),
          },
        });
        if (out.json) return out.raw(body);
        printKey(
          out,
          decode(providerKeySchema, body, 'POST /api/providers/:providerId/keys/:keyId/rotation/approve'),
        );
      },
    );

  keys
    .command('bind')
    .description('Bind a key to a workspace, runtime or server.')
    .argument('<provider-id>', 'the provider')
    .argument('<key-id>', 'the key id')
    .addOption(
      new Option('--type <type>', 'what the key is bound to')
        .choices([...PROVIDER_KEY_BINDING_TYPES])
        .makeOptionMandatory(),
    )
    .requiredOption('--target <target>', 'the workspace name, runtime or server id')
    .option('--context <json>', 'a JSON object kept with the binding', parseJsonObject)
    .action(
      async (
        providerId: string,
        keyId: string,
        opts: { type: string; target: string; context?: Record<string, unknown> },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const body = await client.call(API.providerKeysBind, {
          params: { providerId, keyId },
          body: {
            binding_type: opts.type,
            binding_target: opts.target,
            ...(opts.context !== undefined ? { context: opts.context } : {}),
          },
        });
        if (out.json) return out.raw(body);
        const b = decode(
          providerKeyBindingSchema,
          body,
          'POST /api/providers/:providerId/keys/:keyId/bindings',
        );
        out.record([
          ['id', b.id],
          ['key', b.key_id],
          ['type', b.binding_type],
          ['target', b.binding_target],
          ['context', JSON.stringify(b.context)],
          ['created', b.created_at],
        ]);
      },
    );

  keys
    .command('bindings')
    .description('List the active bindings of a key.')
    .argument('<provider-id>', 'the provider')
    .argument('<key-id>', 'the key id')
    .addOption(new Option('--limit <n>', 'bindings per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every binding')
    .action(
      async (providerId: string, keyId: string, opts: { limit?: number; all?: boolean }, cmd: Command) => {
        const { client, out } = contextFor(cmd, io);
        const path = API.providerKeysBindings.path
          .replace(':providerId', encodeURIComponent(providerId))
          .replace(':keyId', encodeURIComponent(keyId));
        const page = await fetchPages(
          client,
          { method: 'GET', path },
          { limit: opts.limit },
          opts.all === true,
        );
        if (out.json) return out.raw(page);
        const { items, next_cursor } = decode(
          providerKeyBindingListResponseSchema,
          page,
          'GET /api/providers/:providerId/keys/:keyId/bindings',
        );
        out.table(items, BINDING_COLUMNS, 'No bindings.');
        if (next_cursor !== null) out.line('More bindings exist: pass --all to list them.');
      },
    );

  keys
    .command('watch')
    .description('Follow posture changes of a provider key live; Ctrl-C to stop.')
    .argument('<provider-id>', 'the provider')
    .addOption(new Option('--count <n>', 'stop after this many changes').argParser(positiveInt()))
    .option('--from-start', 'replay the changes still held on the topic before following live ones')
    .action(async (providerId: string, opts: { count?: number; fromStart?: boolean }, cmd: Command) => {
      const { out } = contextFor(cmd, io);
      const connection = resolveConnection(cmd.optsWithGlobals<GlobalOptions>(), io);
      const path = `${API.providerKeysStream.path.replace(':providerId', encodeURIComponent(providerId))}${opts.fromStart ? '?from=earliest' : ''}`;
      let seen = 0;
      await followSse(io, connection, path, (event) => {
        if (event.type !== 'provider_key.posture_changed') return false;
        const parsed = providerKeyPostureChangedSchema.safeParse(event.data);
        if (!parsed.success || parsed.data.provider_id !== providerId) return false;
        const p = parsed.data;
        if (out.json) out.line(JSON.stringify({ type: event.type, id: event.id, data: event.data }));
        else
          out.line(
            `${p.changed_at} ${p.key_id} ${p.from_state ?? '-'} → ${p.state}${p.vetoed ? ' VETO' : ''} due=${p.rotation_due ?? '-'}`,
          );
        seen += 1;
        return opts.count !== undefined && seen >= opts.count;
      });
    });
}
