// `mcpctl policy decisions|decision|watch`: the runtime policy decisions behind every launch, listed, read one at a
// time, or followed live from the gateway's stream (resuming after a dropped connection).
import {
  policyDecisionListResponseSchema,
  policyDecisionSchema,
  serverIntelligenceSchema,
  serverVmResponseSchema,
  type PolicyDecision,
} from '@mcp-host/contracts';
import { Command, Option } from 'commander';
import { decode } from '../api-client';
import { API } from '../api-routes';
import { resolveConnection, type GlobalOptions } from '../connection';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { shortDigest, type Column, type Output } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';
import { followSse } from './governance.command';

/** `launch` when every gate passed, else which gates held it. */
export function outcomeOf(d: Pick<PolicyDecision, 'evaluation_required' | 'governance_required'>): string {
  if (d.evaluation_required && d.governance_required) return 'held: evaluation+governance';
  if (d.evaluation_required) return 'held: evaluation';
  if (d.governance_required) return 'held: governance';
  return 'launch';
}

const DECISION_COLUMNS: readonly Column<PolicyDecision>[] = [
  { header: 'ID', value: (d) => d.id },
  { header: 'SERVER', value: (d) => d.server_id },
  { header: 'TIER', value: (d) => d.tier },
  {
    header: 'BACKEND',
    value: (d) => (d.backend === d.candidate_backend ? d.backend : `${d.candidate_backend}→${d.backend}`),
  },
  { header: 'EXECUTOR', value: (d) => d.executor_name },
  { header: 'DIGEST', value: (d) => shortDigest(d.manifest_digest) },
  { header: 'OUTCOME', value: (d) => outcomeOf(d) },
  { header: 'DECIDED', value: (d) => d.decided_at },
];

export function printDecision(out: Output, d: PolicyDecision): void {
  out.record([
    ['id', d.id],
    ['server', d.server_id],
    ['outcome', outcomeOf(d)],
    ['tier', d.tier],
    ['backend', d.backend],
    ['candidate backend', d.candidate_backend],
    ['executor', d.executor_name],
    ['image', d.image],
    ['requires build', d.requires_build],
    ['capabilities', d.capability_requirements.join(', ')],
    ['capabilities satisfied', d.capabilities_satisfied],
    ['manifest digest', d.manifest_digest],
    ['artifact run', d.artifact_run_id],
    ['evaluation required', d.evaluation_required],
    ['governance required', d.governance_required],
    ['governance run', d.governance_run_id],
    ['notes', d.policy_notes.join('\n')],
    ['decided', d.decided_at],
  ]);
}

export function registerPolicyCommands(program: Command, io: CliIo): void {
  const policy = program
    .command('policy')
    .description('Runtime policy decisions: placement, gating and their notes.');

  policy
    .command('decisions')
    .description('List runtime policy decisions, oldest first.')
    .option('--server-id <id>', 'only decisions for this server')
    .option('--tier <tier>', 'only decisions for this tier')
    .option('--backend <backend>', 'only decisions placed on this backend')
    .addOption(new Option('--gated', 'only decisions a gate held'))
    .addOption(new Option('--limit <n>', 'decisions per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every decision')
    .action(
      async (
        opts: {
          serverId?: string;
          tier?: string;
          backend?: string;
          gated?: boolean;
          limit?: number;
          all?: boolean;
        },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const page = await fetchPages(
          client,
          API.policyDecisionsList,
          {
            server_id: opts.serverId,
            tier: opts.tier,
            backend: opts.backend,
            gated: opts.gated ? 'true' : undefined,
            limit: opts.limit,
          },
          opts.all === true,
        );
        if (out.json) return out.raw(page);
        const { items, next_cursor } = decode(
          policyDecisionListResponseSchema,
          page,
          'GET /api/policy/decisions',
        );
        out.table(items, DECISION_COLUMNS, 'No policy decisions.');
        if (next_cursor !== null) out.line('More decisions exist: pass --all to list them.');
      },
    );

  policy
    .command('decision')
    .description('Show one policy decision with all its notes.')
    .argument('<id>', 'the decision id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = await client.call(API.policyDecisionsGet, { params: { id } });
      if (out.json) return out.raw(body);
      printDecision(out, decode(policyDecisionSchema, body, 'GET /api/policy/decisions/:id'));
    });

  policy
    .command('watch')
    .description('Follow policy decisions live (resumes after a dropped connection); Ctrl-C to stop.')
    .option('--server-id <id>', 'only decisions for this server')
    .addOption(new Option('--count <n>', 'stop after this many decisions').argParser(positiveInt()))
    .action(async (opts: { serverId?: string; count?: number }, cmd: Command) => {
      const { out } = contextFor(cmd, io);
      const connection = resolveConnection(cmd.optsWithGlobals<GlobalOptions>(), io);
      const path = `${API.policyStream.path}${opts.serverId ? `?server_id=${encodeURIComponent(opts.serverId)}` : ''}`;
      let seen = 0;
      await followSse(io, connection, path, (event) => {
        const parsed = policyDecisionSchema.safeParse(event.data);
        if (!parsed.success) return false;
        const d = parsed.data;
        if (opts.serverId && d.server_id !== opts.serverId) return false;
        if (out.json) out.line(JSON.stringify({ type: event.type, id: event.id, data: event.data }));
        else {
          const posture = d.key_posture ? ` key=${d.key_posture.provider_id}:${d.key_posture.state}` : '';
          out.line(
            `${d.decided_at} ${d.server_id} ${d.tier ?? '-'} ${d.backend} ${outcomeOf(d)}${posture} ${d.policy_notes.join(' ')}`,
          );
        }
        seen += 1;
        return opts.count !== undefined && seen >= opts.count;
      });
    });

  policy
    .command('intelligence')
    .description("A server's capability intelligence: scores, status and recent anomaly notes.")
    .argument('<server-id>', 'the server id')
    .action(async (serverId: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = await client.call(API.serversIntelligence, { params: { id: serverId } });
      if (out.json) return out.raw(body);
      const i = decode(serverIntelligenceSchema, body, 'GET /api/servers/:id/intelligence');
      out.record([
        ['server', i.server_id],
        ['status', i.status],
        ['overall score', i.overall_score],
        ['build success', i.scores.build_success],
        ['push reliability', i.scores.push_reliability],
        ['credential health', i.scores.credential_health],
        ['certification', i.scores.certification],
        ['runtime stability', i.scores.runtime_stability],
        [
          'signals (7 d)',
          Object.entries(i.signals)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
        ],
        ['anomalies (24 h)', i.anomalies.map((a) => a.note).join('\n')],
        ['updated', i.updated_at],
      ]);
    });

  policy
    .command('vm')
    .description("A server's VM instances: attestation status, isolation tier, lifecycle and fallbacks.")
    .argument('<server-id>', 'the server id')
    .action(async (serverId: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = await client.call(API.serversVm, { params: { id: serverId } });
      if (out.json) return out.raw(body);
      const vm = decode(serverVmResponseSchema, body, 'GET /api/servers/:id/vm');
      out.table(
        vm.instances,
        [
          { header: 'INSTANCE', value: (i) => i.id },
          { header: 'LIFECYCLE', value: (i) => i.lifecycle },
          { header: 'ATTESTATION', value: (i) => i.attestation_status },
          { header: 'ISOLATION', value: (i) => i.isolation_tier },
          { header: 'MEASUREMENT', value: (i) => (i.measurement ? i.measurement.slice(0, 16) : '-') },
          {
            header: 'NOTE',
            value: (i) =>
              i.fallback_reason
                ? `fallback: ${i.fallback_reason}`
                : typeof i.attestation.failure === 'string'
                  ? `refused: ${i.attestation.failure}`
                  : '',
          },
          {
            header: 'LAST EVENT',
            value: (i) => (i.events[0] ? `${i.events[0].event_type} ${i.events[0].occurred_at}` : '-'),
          },
        ],
        'No VM instances for this server.',
      );
    });
}
