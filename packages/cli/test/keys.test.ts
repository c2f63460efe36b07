// `mcpctl keys …` against a stub gateway: the bundle is hashed locally, flags use the API names, tables and --json,
// the API's error message on a refusal, and the posture stream.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const dir = mkdtempSync(join(tmpdir(), 'mcpctl-keys-'));
const bundle = Buffer.from([0, 1, 2, 250, 251, 252, 10, 13, 65]);
const bundlePath = join(dir, 'attestation.bin');
writeFileSync(bundlePath, bundle);
const DIGEST = `sha256:${createHash('sha256').update(bundle).digest('hex')}`;

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN], { cwd: () => dir });

const key = (extra: Record<string, unknown> = {}) => ({
  id: ID,
  provider_id: 'openai',
  alias: 'prod',
  posture: 'active',
  attestation_digest: DIGEST,
  signature_verified: true,
  rotation_due: '2027-01-31T00:00:00.000Z',
  has_secret: false,
  pending_rotation: null,
  vetoed: false,
  version: 1,
  created_at: AT,
  updated_at: AT,
  ...extra,
});

describe('mcpctl keys', () => {
  it('when a key is registered, then the bundle is hashed locally and sent base64 as the signature', async () => {
    stub.on('POST', '/api/providers/openai/keys', { status: 201, body: key() });

    const result = await cli(
      'keys',
      'register',
      'openai',
      '--alias',
      'prod',
      '--attestation',
      'attestation.bin',
      '--rotation-due',
      '2027-01-31T00:00:00Z',
    );

    expect(result.code).toBe(0);
    expect(stub.requests[0].body).toEqual({
      attestation_digest: DIGEST,
      attestation_signature: bundle.toString('base64'),
      alias: 'prod',
      rotation_due: '2027-01-31T00:00:00Z',
    });
    expect(result.stdout).toMatch(/posture\s*│ active/);
  });

  it('when the bundle is missing or the deadline is not RFC 3339, then exit 1 before any request', async () => {
    const missing = await cli('keys', 'register', 'openai', '--attestation', 'nope.bin');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Cannot read the attestation bundle nope.bin.');
    const bad = await cli(
      'keys',
      'register',
      'openai',
      '--attestation',
      bundlePath,
      '--rotation-due',
      'tomorrow',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('RFC 3339');
    expect(stub.requests).toHaveLength(0);
  });

  it('when the API refuses the signature, then exit 1 with its message', async () => {
    stub.on('POST', '/api/providers/openai/keys', {
      status: 422,
      body: {
        error: {
          code: 'ATTESTATION_SIGNATURE_MISMATCH',
          message: 'The attestation signature hashes to x, not y.',
        },
      },
    });
    const result = await cli('keys', 'register', 'openai', '--attestation', bundlePath);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'mcpctl: The attestation signature hashes to x, not y. (ATTESTATION_SIGNATURE_MISMATCH)\n',
    );
  });

  it('when keys are listed, then each is a row with its posture; --json prints the page', async () => {
    stub.on('GET', '/api/providers/openai/keys', {
      body: {
        items: [key(), key({ id: ID2, posture: 'rotation_overdue', vetoed: true })],
        next_cursor: null,
      },
    });
    const table = await cli('keys', 'list', 'openai', '--limit', '10');
    expect(Object.fromEntries(stub.requests[0].query)).toEqual({ limit: '10' });
    expect(table.stdout.split('\n').find((l) => l.includes(ID2))).toMatch(/rotation_overdue.*yes/);
    const json = await cli('keys', 'list', 'openai', '--json');
    expect(JSON.parse(json.stdout).items).toHaveLength(2);
  });

  it('when one key is asked for, then it is shown; an unknown one exits 1 with the API message', async () => {
    stub.on('GET', `/api/providers/openai/keys/${ID}`, { body: key({ has_secret: true }) });
    expect((await cli('keys', 'get', 'openai', ID)).stdout).toMatch(/secret stored\s*│ true/);
    stub.on('GET', `/api/providers/openai/keys/${ID2}`, {
      status: 404,
      body: { error: { code: 'PROVIDER_KEY_NOT_FOUND', message: `No key ${ID2} for provider openai.` } },
    });
    const missing = await cli('keys', 'get', 'openai', ID2);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`No key ${ID2} for provider openai.`);
  });

  it('when a rotation is requested, then --actor-ref is required and sent with the new attestation', async () => {
    const without = await cli('keys', 'rotate', 'openai', ID, '--attestation', bundlePath);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('--actor-ref');
    stub.on('POST', `/api/providers/openai/keys/${ID}/rotate`, {
      body: key({
        posture: 'rotating',
        pending_rotation: {
          attestation_digest: DIGEST,
          requested_by: 'ops-a',
          rotation_due: null,
          requested_at: AT,
        },
      }),
    });
    const result = await cli(
      'keys',
      'rotate',
      'openai',
      ID,
      '--attestation',
      bundlePath,
      '--actor-ref',
      'ops-a',
    );
    expect(result.code).toBe(0);
    expect(stub.requests[0].body).toMatchObject({ actor_ref: 'ops-a', attestation_digest: DIGEST });
    expect(result.stdout).toMatch(/pending rotation\s*│ sha256:.* by ops-a/);
  });

  it('when a rotation is approved by its requester, then exit 1 with the 403 message', async () => {
    stub.on('POST', `/api/providers/openai/keys/${ID}/rotation/approve`, {
      status: 403,
      body: {
        error: {
          code: 'SELF_APPROVAL_FORBIDDEN',
          message: 'ops-a requested this rotation and cannot approve it; another operator must.',
        },
      },
    });
    const result = await cli(
      'keys',
      'approve-rotation',
      'openai',
      ID,
      '--actor-ref',
      'ops-a',
      '--note',
      'ok',
    );
    expect(result.code).toBe(1);
    expect(stub.requests[0].body).toEqual({ actor_ref: 'ops-a', note: 'ok' });
    expect(result.stderr).toContain('cannot approve it');
  });

  it('when a key is bound and bindings listed, then type, target and context are sent and listed', async () => {
    stub.on('POST', `/api/providers/openai/keys/${ID}/bindings`, {
      status: 201,
      body: {
        id: ID2,
        key_id: ID,
        provider_id: 'openai',
        binding_type: 'server',
        binding_target: ID2,
        context: { t: 1 },
        created_at: AT,
      },
    });
    const bound = await cli(
      'keys',
      'bind',
      'openai',
      ID,
      '--type',
      'server',
      '--target',
      ID2,
      '--context',
      '{"t":1}',
    );
    expect(bound.code).toBe(0);
    expect(stub.requests[0].body).toEqual({ binding_type: 'server', binding_target: ID2, context: { t: 1 } });
    const badType = await cli('keys', 'bind', 'openai', ID, '--type', 'galaxy', '--target', 'x');
    expect(badType.code).toBe(1);

    stub.on('GET', `/api/providers/openai/keys/${ID}/bindings`, {
      body: {
        items: [
          {
            id: ID2,
            key_id: ID,
            provider_id: 'openai',
            binding_type: 'workspace',
            binding_target: 'team-a',
            context: {},
            created_at: AT,
          },
        ],
        next_cursor: 'more',
      },
    });
    const listed = await cli('keys', 'bindings', 'openai', ID);
    expect(listed.stdout).toMatch(/workspace.*team-a/);
    expect(listed.stdout).toContain('More bindings exist');
  });
});

describe('mcpctl keys watch', () => {
  let http: HttpServer;
  let url = '';
  const paths: string[] = [];
  const change = (state: string, vetoed: boolean) => ({
    key_id: ID,
    provider_id: 'openai',
    from_state: 'active',
    state,
    rotation_due: '2027-01-31T00:00:00.000Z',
    vetoed,
    reason: vetoed ? `key:${state}` : null,
    version: 2,
    changed_at: AT,
  });

  beforeAll(async () => {
    http = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`id: o0\nevent: provider_key.bound\ndata: {"key_id":"${ID}"}\n\n`);
      res.write(
        `id: o1\nevent: provider_key.posture_changed\ndata: ${JSON.stringify(change('rotation_due_soon', false))}\n\n`,
      );
      res.write(
        `id: o2\nevent: provider_key.posture_changed\ndata: ${JSON.stringify(change('rotation_overdue', true))}\n\n`,
      );
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  });

  it('when posture changes stream in, then each is a line with the veto, other events are skipped', async () => {
    const result = await runCli([
      'keys',
      'watch',
      'openai',
      '--from-start',
      '--count',
      '2',
      '--url',
      url,
      '--token',
      TOKEN,
    ]);
    expect(result.code).toBe(0);
    expect(paths[0]).toBe('/api/providers/openai/keys/stream?from=earliest');
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('active → rotation_due_soon');
    expect(lines[1]).toMatch(/active → rotation_overdue VETO/);
  });
});
