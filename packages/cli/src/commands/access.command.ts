// `mcpctl access grant init|apply|list|get|create|enable|disable|delete` and `mcpctl access session
// init|apply|list|get|create|revoke|unrevoke`: who may call which tools of an MCP server through /mcp/:server, and
// the agent sessions (trust level, expiry, revocation) a caller presents there in the Mcp-Host-Agent-Session
// header. `init` writes a YAML manifest; `apply -f` makes the API match one.
import {
  AGENT_SESSION_MAX_TTL_SECONDS,
  AGENT_SESSION_STATES,
  TRUST_LEVELS,
  agentSessionListResponseSchema,
  agentSessionSchema,
  grantListResponseSchema,
  grantSchema,
  type AgentSession,
  type CreateAgentSessionBody,
  type Grant,
} from '@mcp-host/contracts';
import { Command, Option } from 'commander';
import { decode, type ApiClient } from '../api-client';
import { CliError } from '../cli-error';
import { API } from '../api-routes';
import { contextFor } from '../context';
import type { CliIo } from '../io';
import { withSpinner, type Column } from '../output';
import { fetchPages } from '../paginate';
import { positiveInt } from '../parse-args';
import {
  grantTemplate,
  parseGrantManifests,
  parseSessionManifests,
  sameTools,
  sessionTemplate,
  type GrantManifest,
} from './access-manifests';

const GRANT_COLUMNS: readonly Column<Grant>[] = [
  { header: 'ID', value: (g) => g.id },
  { header: 'SERVER', value: (g) => g.server_id },
  { header: 'SUBJECT', value: (g) => g.subject },
  { header: 'ALLOW', value: (g) => g.allow_tools.join(',') || null },
  { header: 'DENY', value: (g) => g.deny_tools.join(',') || null },
  { header: 'ENABLED', value: (g) => (g.enabled === false ? 'no' : 'yes') },
  { header: 'VERSION', value: (g) => String(g.version) },
  { header: 'CREATED', value: (g) => g.created_at },
];

/** `active`, `revoked` or `expired`, as of now. */
function sessionState(s: AgentSession, now = Date.now()): string {
  if (s.revoked) return 'revoked';
  return Date.parse(s.expires_at) <= now ? 'expired' : 'active';
}

const SESSION_COLUMNS: readonly Column<AgentSession>[] = [
  { header: 'ID', value: (s) => s.id },
  { header: 'AGENT', value: (s) => s.agent_id },
  { header: 'SUBJECT', value: (s) => s.subject },
  { header: 'SERVER', value: (s) => s.server_id ?? 'any' },
  { header: 'TRUST', value: (s) => s.trust_level },
  { header: 'STATE', value: (s) => sessionState(s) },
  { header: 'EXPIRES', value: (s) => s.expires_at },
  { header: 'VERSION', value: (s) => String(s.version) },
];

/** `a,b , c` → ['a', 'b', 'c']. */
function toolList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  ];
}

const versionOption = () =>
  new Option('--version <n>', 'the version you read').argParser(positiveInt()).makeOptionMandatory();

/** Reads a manifest named by -f; `-` is not supported, so a typo never waits on a terminal. */
function readManifest(io: CliIo, file: string): string {
  const text = io.readFile(file);
  if (text === undefined) throw new CliError(`${file} does not exist.`);
  return text;
}

interface Applied<T> {
  action: 'created' | 'unchanged' | 'replaced' | 'enabled' | 'disabled';
  item: T;
}

const APPLIED_GRANT_COLUMNS: readonly Column<Applied<Grant>>[] = [
  { header: 'ACTION', value: (a) => a.action },
  ...GRANT_COLUMNS.map((c) => ({ header: c.header, value: (a: Applied<Grant>) => c.value(a.item) })),
];

/**
 * Makes one grant match its manifest. The grant of a subject on a server is found by those two; same tools: kept
 * (enabled or disabled as stated); other tools: the old grant is deleted at its version and the new one created,
 * since a grant's tools are not edited in place. Two grants for one subject and server are left for a person.
 */
async function applyGrant(client: ApiClient, m: GrantManifest): Promise<Applied<Grant>> {
  const page = await fetchPages(
    client,
    API.grantsList,
    { server_id: m.body.server_id, subject: m.body.subject },
    true,
  );
  const existing = decode(grantListResponseSchema, page, 'GET /api/grants').items.filter(
    (g) => g.server_id === m.body.server_id && g.subject === m.body.subject,
  );
  if (existing.length > 1)
    throw new CliError(
      `${existing.length} grants exist for ${m.body.subject} on server ${m.body.server_id} (${existing.map((g) => g.id).join(', ')}); delete all but one, then apply again.`,
    );
  const current = existing[0];
  let action: Applied<Grant>['action'];
  let grant: Grant;
  if (
    current !== undefined &&
    sameTools(current.allow_tools, m.body.allow_tools) &&
    sameTools(current.deny_tools, m.body.deny_tools)
  ) {
    grant = current;
    action = 'unchanged';
  } else {
    if (current !== undefined)
      await client.call(API.grantsDelete, {
        params: { id: current.id },
        query: { version: current.version },
      });
    grant = decode(grantSchema, await client.call(API.grantsCreate, { body: m.body }), 'POST /api/grants');
    action = current === undefined ? 'created' : 'replaced';
  }
  const enabled = grant.enabled !== false;
  if (enabled !== m.enabled) {
    const route = m.enabled ? API.grantsEnable : API.grantsDisable;
    grant = decode(
      grantSchema,
      await client.call(route, { params: { id: grant.id }, body: { version: grant.version } }),
      `POST ${route.path}`,
    );
    if (action === 'unchanged') action = m.enabled ? 'enabled' : 'disabled';
  }
  return { action, item: grant };
}

function registerGrantCommands(access: Command, io: CliIo): void {
  const grant = access
    .command('grant')
    .description('MCP tool grants: which subject may call which tools of a server (deny wins over allow).');

  grant
    .command('init')
    .description('Print a commented YAML grant manifest to edit and apply (no API call).')
    .option('--server <id>', 'the MCP server id')
    .option('--subject <subject>', 'token:<token id>, subject:<subject>, or role:<role>')
    .option('--allow <tools>', 'tools to allow, comma-separated (repeatable; default *)', toolList)
    .option('--deny <tools>', 'tools to deny, comma-separated (repeatable)', toolList)
    .action((opts: { server?: string; subject?: string; allow?: string[]; deny?: string[] }) => {
      io.stdout(grantTemplate(opts));
    });

  grant
    .command('apply')
    .description(
      'Make the grants match a YAML manifest (one or more documents): create, keep, replace, enable or disable.',
    )
    .requiredOption('-f, --file <path>', 'the manifest (mcpctl access grant init writes one)')
    .action(async (opts: { file: string }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      // Every document is checked before the first call, so a typo in the third grant changes nothing.
      const manifests = parseGrantManifests(readManifest(io, opts.file), opts.file);
      const applied: Applied<Grant>[] = [];
      for (const m of manifests)
        applied.push(
          await withSpinner(io, `Applying the grant for ${m.body.subject}`, () => applyGrant(client, m)),
        );
      if (out.json) return out.raw(applied.map((a) => ({ action: a.action, grant: a.item })));
      out.table(applied, APPLIED_GRANT_COLUMNS, 'No grants.');
    });

  grant
    .command('list')
    .description('List grants, oldest first.')
    .option('--server <id>', 'only grants on this server')
    .option('--subject <subject>', 'only grants to this subject (token:<id>, subject:<sub>, role:<role>)')
    .addOption(new Option('--limit <n>', 'grants per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every grant')
    .action(
      async (opts: { server?: string; subject?: string; limit?: number; all?: boolean }, cmd: Command) => {
        const { client, out } = contextFor(cmd, io);
        const page = await fetchPages(
          client,
          API.grantsList,
          { server_id: opts.server, subject: opts.subject, limit: opts.limit },
          opts.all === true,
        );
        if (out.json) return out.raw(page);
        const { items, next_cursor } = decode(grantListResponseSchema, page, 'GET /api/grants');
        out.table(items, GRANT_COLUMNS, 'No grants.');
        if (next_cursor !== null) out.line('More grants exist: pass --all to list them.');
      },
    );

  grant
    .command('get')
    .description('Show one grant.')
    .argument('<id>', 'the grant id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const found = await client.call(API.grantsGet, { params: { id } });
      if (out.json) return out.raw(found);
      out.table([decode(grantSchema, found, 'GET /api/grants/:id')], GRANT_COLUMNS, 'No grant.');
    });

  grant
    .command('create')
    .description('Grant a subject tools of a server (`*` is every tool).')
    .requiredOption('--server <id>', 'the MCP server id')
    .requiredOption(
      '--subject <subject>',
      'token:<token id>, subject:<token owner or OIDC subject>, or role:<role>',
    )
    .option('--allow <tools>', 'tools to allow, comma-separated (repeatable)', toolList)
    .option('--deny <tools>', 'tools to deny, comma-separated (repeatable)', toolList)
    .action(
      async (opts: { server: string; subject: string; allow?: string[]; deny?: string[] }, cmd: Command) => {
        const { client, out } = contextFor(cmd, io);
        const body = {
          server_id: opts.server,
          subject: opts.subject,
          allow_tools: opts.allow ?? [],
          deny_tools: opts.deny ?? [],
        };
        const created = await withSpinner(io, `Granting ${opts.subject}`, () =>
          client.call(API.grantsCreate, { body }),
        );
        if (out.json) return out.raw(created);
        out.table([decode(grantSchema, created, 'POST /api/grants')], GRANT_COLUMNS, 'No grant.');
      },
    );

  for (const [verb, route, doing] of [
    ['enable', API.grantsEnable, 'Enabling'],
    ['disable', API.grantsDisable, 'Disabling'],
  ] as const) {
    grant
      .command(verb)
      .description(
        verb === 'enable'
          ? 'Apply a disabled grant again, at its current version.'
          : 'Stop applying a grant (it is kept), at its current version.',
      )
      .argument('<id>', 'the grant id')
      .addOption(versionOption())
      .action(async (id: string, opts: { version: number }, cmd: Command) => {
        const { client, out } = contextFor(cmd, io);
        const changed = await withSpinner(io, `${doing} grant ${id}`, () =>
          client.call(route, { params: { id }, body: { version: opts.version } }),
        );
        if (out.json) return out.raw(changed);
        out.table([decode(grantSchema, changed, `POST ${route.path}`)], GRANT_COLUMNS, 'No grant.');
      });
  }

  grant
    .command('delete')
    .description('Delete a grant at its current version.')
    .argument('<id>', 'the grant id')
    .addOption(versionOption())
    .action(async (id: string, opts: { version: number }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      await withSpinner(io, `Deleting grant ${id}`, () =>
        client.call(API.grantsDelete, { params: { id }, query: { version: opts.version } }),
      );
      if (out.json) return out.raw({ id, deleted: true });
      out.line(`Deleted grant ${id}.`);
    });
}

const APPLIED_SESSION_COLUMNS: readonly Column<Applied<AgentSession>>[] = [
  { header: 'ACTION', value: (a) => a.action },
  ...SESSION_COLUMNS.map((c) => ({ header: c.header, value: (a: Applied<AgentSession>) => c.value(a.item) })),
];

/**
 * Makes one agent session match its manifest. An active session of the same agent, principal and server at the same
 * trust level is kept; at another trust level it is revoked and a new one opened; with none, one is opened.
 */
async function applySession(client: ApiClient, body: CreateAgentSessionBody): Promise<Applied<AgentSession>> {
  const page = await fetchPages(
    client,
    API.sessionsList,
    { agent_id: body.agent_id, subject: body.subject, server_id: body.server_id, state: 'active' },
    true,
  );
  const active = decode(agentSessionListResponseSchema, page, 'GET /api/sessions').items.filter(
    (s) =>
      s.agent_id === body.agent_id &&
      s.subject === body.subject &&
      s.server_id === (body.server_id ?? null) &&
      sessionState(s) === 'active',
  );
  const same = active.find((s) => s.trust_level === body.trust_level);
  if (same !== undefined) return { action: 'unchanged', item: same };
  for (const s of active)
    await client.call(API.sessionsRevoke, { params: { id: s.id }, body: { version: s.version } });
  const created = decode(
    agentSessionSchema,
    await client.call(API.sessionsCreate, { body }),
    'POST /api/sessions',
  );
  return { action: active.length > 0 ? 'replaced' : 'created', item: created };
}

function registerSessionCommands(access: Command, io: CliIo): void {
  const session = access
    .command('session')
    .description('Agent sessions: an agent acting for a principal, with a trust level and an expiry.');

  session
    .command('init')
    .description('Print a commented YAML agent-session manifest to edit and apply (no API call).')
    .option('--agent <id>', 'the agent acting in the session')
    .option('--subject <subject>', 'token:<token id> or subject:<subject>')
    .option('--server <id>', 'the one MCP server it may reach')
    .addOption(new Option('--trust <level>', 'its trust level').choices([...TRUST_LEVELS]))
    .addOption(
      new Option('--ttl <seconds>', 'how long it lasts').argParser(
        positiveInt(AGENT_SESSION_MAX_TTL_SECONDS),
      ),
    )
    .action((opts: { agent?: string; subject?: string; server?: string; trust?: string; ttl?: number }) => {
      io.stdout(sessionTemplate(opts));
    });

  session
    .command('apply')
    .description('Open the agent sessions a YAML manifest states, keeping matching active ones.')
    .requiredOption('-f, --file <path>', 'the manifest (mcpctl access session init writes one)')
    .action(async (opts: { file: string }, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const manifests = parseSessionManifests(readManifest(io, opts.file), opts.file);
      const applied: Applied<AgentSession>[] = [];
      for (const body of manifests)
        applied.push(
          await withSpinner(io, `Applying the session for ${body.agent_id}`, () =>
            applySession(client, body),
          ),
        );
      if (out.json) return out.raw(applied.map((a) => ({ action: a.action, session: a.item })));
      out.table(applied, APPLIED_SESSION_COLUMNS, 'No sessions.');
    });

  session
    .command('list')
    .description('List agent sessions, oldest first.')
    .option('--agent <id>', 'only sessions of this agent')
    .option('--subject <subject>', 'only sessions bound to this principal (token:<id>, subject:<sub>)')
    .option('--server <id>', 'only sessions for this server')
    .addOption(
      new Option('--state <state>', 'only sessions in this state').choices([...AGENT_SESSION_STATES]),
    )
    .addOption(new Option('--limit <n>', 'sessions per page (1-200)').argParser(positiveInt(200)))
    .option('--all', 'follow next_cursor and list every session')
    .action(
      async (
        opts: {
          agent?: string;
          subject?: string;
          server?: string;
          state?: string;
          limit?: number;
          all?: boolean;
        },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const page = await fetchPages(
          client,
          API.sessionsList,
          {
            agent_id: opts.agent,
            subject: opts.subject,
            server_id: opts.server,
            state: opts.state,
            limit: opts.limit,
          },
          opts.all === true,
        );
        if (out.json) return out.raw(page);
        const { items, next_cursor } = decode(agentSessionListResponseSchema, page, 'GET /api/sessions');
        out.table(items, SESSION_COLUMNS, 'No agent sessions.');
        if (next_cursor !== null) out.line('More sessions exist: pass --all to list them.');
      },
    );

  session
    .command('get')
    .description('Show one agent session.')
    .argument('<id>', 'the session id')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const found = await client.call(API.sessionsGet, { params: { id } });
      if (out.json) return out.raw(found);
      out.table([decode(agentSessionSchema, found, 'GET /api/sessions/:id')], SESSION_COLUMNS, 'No session.');
    });

  session
    .command('create')
    .description('Open an agent session; the caller presents its id in the Mcp-Host-Agent-Session header.')
    .requiredOption('--agent <id>', 'the agent acting in the session')
    .requiredOption(
      '--subject <subject>',
      'the principal it is bound to: token:<token id> or subject:<subject>',
    )
    .option('--server <id>', 'the one MCP server it may reach (default: any)')
    .addOption(new Option('--trust <level>', 'its trust level').choices([...TRUST_LEVELS]).default('low'))
    .addOption(
      new Option('--ttl <seconds>', `how long it lasts (at most ${AGENT_SESSION_MAX_TTL_SECONDS})`)
        .argParser(positiveInt(AGENT_SESSION_MAX_TTL_SECONDS))
        .default(3600),
    )
    .action(
      async (
        opts: { agent: string; subject: string; server?: string; trust: string; ttl: number },
        cmd: Command,
      ) => {
        const { client, out } = contextFor(cmd, io);
        const body = {
          agent_id: opts.agent,
          subject: opts.subject,
          ...(opts.server === undefined ? {} : { server_id: opts.server }),
          trust_level: opts.trust,
          ttl_seconds: opts.ttl,
        };
        const created = await withSpinner(io, `Opening a session for ${opts.agent}`, () =>
          client.call(API.sessionsCreate, { body }),
        );
        if (out.json) return out.raw(created);
        out.table(
          [decode(agentSessionSchema, created, 'POST /api/sessions')],
          SESSION_COLUMNS,
          'No session.',
        );
      },
    );

  for (const [verb, route, doing] of [
    ['revoke', API.sessionsRevoke, 'Revoking'],
    ['unrevoke', API.sessionsUnrevoke, 'Restoring'],
  ] as const) {
    session
      .command(verb)
      .description(
        verb === 'revoke'
          ? 'Revoke a session at its current version; the gateway refuses it within seconds.'
          : 'Restore a revoked session (until its expiry), at its current version.',
      )
      .argument('<id>', 'the session id')
      .addOption(versionOption())
      .action(async (id: string, opts: { version: number }, cmd: Command) => {
        const { client, out } = contextFor(cmd, io);
        const changed = await withSpinner(io, `${doing} session ${id}`, () =>
          client.call(route, { params: { id }, body: { version: opts.version } }),
        );
        if (out.json) return out.raw(changed);
        out.table(
          [decode(agentSessionSchema, changed, `POST ${route.path}`)],
          SESSION_COLUMNS,
          'No session.',
        );
      });
  }
}

export function registerAccessCommands(program: Command, io: CliIo): void {
  const access = program
    .command('access')
    .description('Access to MCP servers through /mcp/:server: tool grants and agent sessions.');
  registerGrantCommands(access, io);
  registerSessionCommands(access, io);
}
