// `mcpctl access grant|session init|apply` end to end against the built standalone host: the template init prints is
// edited as an operator would (a registered server, a real principal, real tool names), written to a file and applied
// through the gateway to the policy engine's grant and session stores; list/get read back what the manifest says.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { defaultIo } from '../src/io';
import { startStandaloneHost, type StandaloneHost } from './standalone-host';
import { runCli } from './stub-server';

jest.setTimeout(300_000);

let host: StandaloneHost;
let serverId = '';
let tokenId = '';
const suffix = randomBytes(4).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'mcpctl-access-e2e-'));

/** mcpctl against the host, reading -f files from disk as the real binary does (host.mcpctl reads no files). */
const cli = (...args: string[]) =>
  runCli([...args, '--url', host.url, '--token', host.token], { readFile: defaultIo().readFile });

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function readBack(path: string): string {
  return defaultIo().readFile(path) ?? '';
}

/** Replaces one line of a template, failing loudly if the template no longer has it (so an edit never no-ops). */
function edit(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

const json = <T>(stdout: string) => JSON.parse(stdout) as T;

interface Grant {
  id: string;
  server_id: string;
  subject: string;
  allow_tools: string[];
  deny_tools: string[];
  enabled?: boolean;
  version: number;
}

interface Session {
  id: string;
  agent_id: string;
  subject: string;
  server_id: string | null;
  trust_level: string;
  expires_at: string;
  revoked: boolean;
  version: number;
}

beforeAll(async () => {
  host = await startStandaloneHost('access-e2e');
  const registered = await host.mcpctl(
    'servers',
    'register',
    `access-${suffix}`,
    '--type',
    'Router',
    '--owner',
    `team-${suffix}`,
    '--json',
  );
  expect(registered.code).toBe(0);
  serverId = json<{ id: string }>(registered.stdout).id;
  const me = await host.mcpctl('whoami', '--json');
  tokenId = json<{ id: string }>(me.stdout).id;
});

afterAll(async () => {
  await host?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const grantsOn = async (subject: string): Promise<Grant[]> => {
  const r = await cli('access', 'grant', 'list', '--server', serverId, '--subject', subject, '--json');
  expect(r.code).toBe(0);
  return json<{ items: Grant[] }>(r.stdout).items;
};

describe('mcpctl access grant init|apply against the standalone host', () => {
  let grantFile = '';
  let firstId = '';

  it('when the init template is edited and applied, then the grant exists with the manifest fields, and applying it again keeps it', async () => {
    const init = await cli('access', 'grant', 'init');
    expect(init.code).toBe(0);
    // The untouched template must already be a manifest apply accepts, or `init > f; apply -f f` fails.
    expect(parse(init.stdout)).toMatchObject({ kind: 'Grant', allow_tools: ['*'], enabled: true });

    let text = edit(init.stdout, '"00000000-0000-0000-0000-000000000000"', serverId);
    text = edit(text, 'subject: role:operator', `subject: token:${tokenId}`);
    text = edit(text, 'allow_tools: ["*"]', 'allow_tools: [get_forecast, echo]');
    text = edit(text, 'deny_tools: []', 'deny_tools: [delete_city]');
    grantFile = write('grant.yaml', text);

    const applied = await cli('access', 'grant', 'apply', '-f', grantFile, '--json');
    expect(applied.code).toBe(0);
    const [created] = json<{ action: string; grant: Grant }[]>(applied.stdout);
    expect(created.action).toBe('created');
    firstId = created.grant.id;

    const expected = {
      id: firstId,
      server_id: serverId,
      subject: `token:${tokenId}`,
      allow_tools: ['get_forecast', 'echo'],
      deny_tools: ['delete_city'],
      enabled: true,
      version: 1,
    };
    expect(await grantsOn(`token:${tokenId}`)).toEqual([expect.objectContaining(expected)]);
    const got = await cli('access', 'grant', 'get', firstId, '--json');
    expect(got.code).toBe(0);
    expect(json<Grant>(got.stdout)).toMatchObject(expected);

    const again = await cli('access', 'grant', 'apply', '-f', grantFile);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n').find((l) => l.includes(firstId))).toMatch(/\bunchanged\b/);
    expect(await grantsOn(`token:${tokenId}`)).toEqual([expect.objectContaining(expected)]);
  });

  it('when the manifest changes its tools, then apply replaces the grant; when it says enabled: false, then the grant is disabled and its old version is refused with 409', async () => {
    expect(firstId).not.toBe('');
    const changed = write(
      'grant-changed.yaml',
      edit(readBack(grantFile), 'allow_tools: [get_forecast, echo]', 'allow_tools: [get_forecast]'),
    );

    const replaced = await cli('access', 'grant', 'apply', '-f', changed, '--json');
    expect(replaced.code).toBe(0);
    const [r] = json<{ action: string; grant: Grant }[]>(replaced.stdout);
    expect(r.action).toBe('replaced');
    expect(r.grant.id).not.toBe(firstId);
    expect(await grantsOn(`token:${tokenId}`)).toEqual([
      expect.objectContaining({
        id: r.grant.id,
        allow_tools: ['get_forecast'],
        deny_tools: ['delete_city'],
        enabled: true,
        version: 1,
      }),
    ]);
    const old = await cli('access', 'grant', 'get', firstId);
    expect(old.code).toBe(1);
    expect(old.stderr).toContain('(GRANT_NOT_FOUND)');

    const disabledFile = write(
      'grant-disabled.yaml',
      edit(readBack(changed), 'enabled: true', 'enabled: false'),
    );
    const disabled = await cli('access', 'grant', 'apply', '-f', disabledFile, '--json');
    expect(disabled.code).toBe(0);
    expect(json<{ action: string; grant: Grant }[]>(disabled.stdout)).toEqual([
      { action: 'disabled', grant: expect.objectContaining({ id: r.grant.id, enabled: false, version: 2 }) },
    ]);
    expect(await grantsOn(`token:${tokenId}`)).toEqual([
      expect.objectContaining({ id: r.grant.id, enabled: false, version: 2 }),
    ]);

    // Manifests carry no version (apply reads the current one), so the version check is met at the commands that
    // take one: the version the grant had before apply disabled it is stale now, and the 409 comes through as is.
    const stale = await cli('access', 'grant', 'enable', r.grant.id, '--version', '1');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('is at version 2, not 1');
    expect(stale.stderr).toContain('(VERSION_CONFLICT)');
    expect((await grantsOn(`token:${tokenId}`))[0]).toMatchObject({ enabled: false, version: 2 });
  });

  it('when any document of a manifest is invalid, then apply exits 1 naming it, and no grant is created', async () => {
    const valid = `kind: Grant\nserver_id: ${serverId}\nsubject: role:viewer\nallow_tools: [echo]\n`;
    const cases: [string, string, string][] = [
      [
        'second document bad',
        `${valid}---\nkind: Grant\nserver_id: not-a-uuid\nsubject: role:viewer\nallow_tools: [echo]\n`,
        'document 2 is not a valid grant',
      ],
      ['version stated', `${valid}version: 3\n`, 'document 1 is not a valid grant'],
      ['no tools', valid.replace('allow_tools: [echo]\n', ''), 'at least one tool'],
      ['session kind', valid.replace('kind: Grant', 'kind: AgentSession'), 'kind "AgentSession"'],
      ['broken YAML', valid.replace('[echo]', '[echo'), 'is not valid YAML'],
    ];
    for (const [name, text, message] of cases) {
      const file = write(`invalid-${name.replace(/\s/g, '-')}.yaml`, text);
      const result = await cli('access', 'grant', 'apply', '-f', file);
      expect({ name, code: result.code }).toEqual({ name, code: 1 });
      expect(result.stderr).toContain(file);
      expect(result.stderr).toContain(message);
    }
    const missing = await cli('access', 'grant', 'apply', '-f', join(dir, 'nope.yaml'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.yaml does not exist');

    // The valid first document of each file was not applied either.
    expect(await grantsOn('role:viewer')).toEqual([]);
  });
});

describe('mcpctl access session init|apply against the standalone host', () => {
  const agent = `forecast-agent-${suffix}`;
  const subject = `subject:agent-${suffix}@example.com`;

  const sessionsOf = async (agentId: string, state?: string): Promise<Session[]> => {
    const r = await cli(
      'access',
      'session',
      'list',
      '--agent',
      agentId,
      ...(state === undefined ? [] : ['--state', state]),
      '--json',
    );
    expect(r.code).toBe(0);
    return json<{ items: Session[] }>(r.stdout).items;
  };

  it('when the init template is applied, then the session is open with the manifest fields; again, it is kept; at another trust level, it is replaced', async () => {
    const init = await cli('access', 'session', 'init', '--agent', agent, '--server', serverId);
    expect(init.code).toBe(0);
    let text = edit(init.stdout, 'subject: subject:agent@example.com', `subject: ${subject}`);
    text = edit(text, 'trust_level: low', 'trust_level: medium');
    text = edit(text, 'ttl_seconds: 3600', 'ttl_seconds: 600');
    const file = write('session.yaml', text);

    const before = Date.now();
    const applied = await cli('access', 'session', 'apply', '-f', file, '--json');
    expect(applied.code).toBe(0);
    const [created] = json<{ action: string; session: Session }[]>(applied.stdout);
    expect(created.action).toBe('created');
    const expected = {
      id: created.session.id,
      agent_id: agent,
      subject,
      server_id: serverId,
      trust_level: 'medium',
      revoked: false,
      version: 1,
    };
    expect(await sessionsOf(agent)).toEqual([expect.objectContaining(expected)]);
    const got = await cli('access', 'session', 'get', created.session.id, '--json');
    expect(got.code).toBe(0);
    const session = json<Session>(got.stdout);
    expect(session).toMatchObject(expected);
    // ttl_seconds: 600 from the manifest, give or take the time the call took.
    const ttl = (Date.parse(session.expires_at) - before) / 1000;
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(601);

    const kept = await cli('access', 'session', 'apply', '-f', file, '--json');
    expect(kept.code).toBe(0);
    expect(json<{ action: string; session: Session }[]>(kept.stdout)).toEqual([
      { action: 'unchanged', session: expect.objectContaining({ id: created.session.id }) },
    ]);

    const high = write('session-high.yaml', edit(text, 'trust_level: medium', 'trust_level: high'));
    const replaced = await cli('access', 'session', 'apply', '-f', high);
    expect(replaced.code).toBe(0);
    const line = replaced.stdout.split('\n').find((l) => l.includes(agent)) ?? '';
    expect(line).toMatch(/replaced.*high.*active/);
    const active = await sessionsOf(agent, 'active');
    expect(active).toEqual([expect.objectContaining({ agent_id: agent, trust_level: 'high', version: 1 })]);
    expect(active[0].id).not.toBe(created.session.id);
    expect(await sessionsOf(agent, 'revoked')).toEqual([
      expect.objectContaining({ id: created.session.id, revoked: true, version: 2 }),
    ]);
  });

  it('when the applied session is revoked at its version, then it is revoked; at a stale version, the 409 comes through', async () => {
    const [open] = await sessionsOf(agent, 'active');
    expect(open).toBeDefined();

    const revoked = await cli(
      'access',
      'session',
      'revoke',
      open.id,
      '--version',
      String(open.version),
      '--json',
    );
    expect(revoked.code).toBe(0);
    expect(json<Session>(revoked.stdout)).toMatchObject({
      id: open.id,
      revoked: true,
      version: open.version + 1,
    });
    expect(await sessionsOf(agent, 'active')).toEqual([]);

    const stale = await cli('access', 'session', 'unrevoke', open.id, '--version', String(open.version));
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('(VERSION_CONFLICT)');
    const got = await cli('access', 'session', 'get', open.id, '--json');
    expect(json<Session>(got.stdout)).toMatchObject({ revoked: true, version: open.version + 1 });
  });

  it('when a session manifest is invalid, then apply exits 1 naming the field, and no session is opened', async () => {
    const other = `other-agent-${suffix}`;
    const valid = `kind: AgentSession\nagent_id: ${other}\nsubject: ${subject}\ntrust_level: low\n`;
    const cases: [string, string, string][] = [
      [
        'trust',
        `${valid}---\nkind: AgentSession\nagent_id: ${other}\nsubject: ${subject}\ntrust_level: root\n`,
        'document 2 is not a valid agent session',
      ],
      ['role subject', valid.replace(subject, 'role:admin'), 'subject'],
      ['ttl', `${valid}ttl_seconds: 0\n`, 'ttl_seconds'],
      ['grant kind', valid.replace('kind: AgentSession', 'kind: Grant'), 'kind "Grant"'],
    ];
    for (const [name, text, message] of cases) {
      const file = write(`invalid-session-${name.replace(/\s/g, '-')}.yaml`, text);
      const result = await cli('access', 'session', 'apply', '-f', file);
      expect({ name, code: result.code }).toEqual({ name, code: 1 });
      expect(result.stderr).toContain(message);
    }
    expect(await sessionsOf(other)).toEqual([]);
  });
});
