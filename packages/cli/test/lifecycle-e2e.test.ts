// `mcpctl lifecycle list|watch` end to end against the built standalone host: a server registered through the gateway
// reaches governance's lifecycle console, and a later change to it arrives on the gateway's lifecycle stream.
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import type { CliIo } from '../src';
import { startStandaloneHost, waitFor, type StandaloneHost } from './standalone-host';
import { runCli } from './stub-server';

jest.setTimeout(300_000);

let host: StandaloneHost;

beforeAll(async () => {
  host = await startStandaloneHost('lifecycle-e2e');
});

afterAll(async () => {
  await host?.stop();
});

interface Snapshot {
  server_id: string;
  server_name: string;
  lifecycle_state: string;
  owner_id: string | null;
  version: number;
}

describe('mcpctl lifecycle against the standalone host', () => {
  it('when a server is registered, then lifecycle list shows it; when it is renamed, then lifecycle watch prints the delta', async () => {
    const suffix = randomBytes(4).toString('hex');
    const owner = `team-${suffix}`;
    const registered = await host.mcpctl(
      'servers',
      'register',
      `lc-${suffix}`,
      '--type',
      'Router',
      '--owner',
      owner,
      '--json',
    );
    expect(registered.code).toBe(0);
    const server = JSON.parse(registered.stdout) as { id: string; version: number };

    // Governance projects the registration into the console asynchronously.
    const listed = await waitFor(
      async () => {
        const r = await host.mcpctl('lifecycle', 'list', '--owner-id', owner, '--json');
        if (r.code !== 0) return undefined;
        const { items } = JSON.parse(r.stdout) as { items: Snapshot[] };
        return items.length > 0 ? items : undefined;
      },
      { timeoutMs: 60_000, what: 'the server in the lifecycle console' },
    );
    expect(listed).toEqual([
      expect.objectContaining({
        server_id: server.id,
        server_name: `lc-${suffix}`,
        lifecycle_state: 'registered',
        owner_id: owner,
        version: 1,
      }),
    ]);
    const table = await host.mcpctl(
      'lifecycle',
      'list',
      '--owner-id',
      owner,
      '--lifecycle-state',
      'registered',
    );
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`lc-${suffix}\\s*│ registered\\s*│ -\\s*│ -`));

    // The gateway answers 200 only once the stream is positioned, so a change made after that is on it.
    let open = false;
    let live = '';
    const watching = runCli(
      ['lifecycle', 'watch', '--owner-id', owner, '--count', '1', '--url', host.url, '--token', host.token],
      {
        stdout: (text) => {
          live += text;
        },
        request: (async (...args: Parameters<typeof request>) => {
          const res = await request(...args);
          open = res.statusCode === 200;
          return res;
        }) as CliIo['request'],
      },
    );
    await waitFor(async () => open, { timeoutMs: 30_000, what: 'the watch to open its stream' });

    const renamed = await host.mcpctl(
      'servers',
      'update',
      server.id,
      '--version',
      String(server.version),
      '--name',
      `lc-${suffix}-renamed`,
    );
    expect(renamed.code).toBe(0);

    const watched = await watching;
    expect(watched.code).toBe(0);
    expect(live.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(
        new RegExp(`^\\S+ lc-${suffix}-renamed ${server.id} v2 registered changed=owner lane=- gates=- `),
      ),
    ]);
  });
});
