// `mcpctl dlq list|redrive` against a stub gateway, then end to end against the built standalone host: an event the
// services cannot validate is dead-lettered by each consumer, collected by the gateway, listed and redriven.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { startStandaloneHost, waitFor, type StandaloneHost } from './standalone-host';
import { AT, ID, ID2, StubGateway, TOKEN, runCli } from './stub-server';

const stub = new StubGateway();
beforeAll(() => stub.start());
afterAll(() => stub.stop());
beforeEach(() => stub.reset());

const TOPIC = 'mcp-host.servers.v1';

const deadLetter = (eventId: string, reason = 'handler_failed', error = 'owner team-x is not known') => ({
  topic: TOPIC,
  event_id: eventId,
  event_type: 'server.deleted',
  reason,
  error,
  consumer_group: 'mcp-host.marketplace',
  original_partition: 2,
  original_offset: '41',
  key: 'srv-1',
  payload: '{"id":"srv-1"}',
  payload_bytes: 14,
  payload_truncated: false,
  headers: { ce_id: eventId },
  first_seen_at: AT,
  last_seen_at: AT,
  count: 2,
  redrive_count: 1,
  last_redriven_at: AT,
});

const cli = (...args: string[]) => runCli([...args, '--url', stub.url, '--token', TOKEN]);

describe('mcpctl dlq list', () => {
  it('when dead letters exist, then it passes the filters and prints one row per event with reason, counts and error', async () => {
    stub.on('GET', '/api/admin/dead-letters', {
      body: {
        items: [deadLetter(ID), deadLetter(ID2, 'schema_invalid', 'x'.repeat(200))],
        next_cursor: 'more',
      },
    });

    const result = await cli(
      'dlq',
      'list',
      '--topic',
      TOPIC,
      '--reason',
      'handler_failed',
      '--type',
      'server.deleted',
      '--limit',
      '2',
    );

    expect(result.code).toBe(0);
    expect(stub.requests[0].query.toString()).toBe(
      `topic=${TOPIC}&reason=handler_failed&type=server.deleted&limit=2`,
    );
    const lines = result.stdout.split('\n');
    expect(lines.find((l) => l.includes(ID))).toMatch(
      new RegExp(`${TOPIC}.*${ID}.*server\\.deleted.*handler_failed.*2.*1.*owner team-x is not known`),
    );
    // Long errors are cut to fit a row.
    expect(lines.find((l) => l.includes(ID2))).toMatch(/schema_invalid.*x{59}…/);
    expect(result.stdout).toContain('More dead letters exist: pass --all to list them.');
  });

  it('when --all and --json are given, then it follows next_cursor and prints the items raw', async () => {
    stub.on('GET', '/api/admin/dead-letters', (req) =>
      req.query.get('cursor') === 'page-2'
        ? { body: { items: [deadLetter(ID2)], next_cursor: null } }
        : { body: { items: [deadLetter(ID)], next_cursor: 'page-2' } },
    );

    const result = await cli('dlq', 'list', '--all', '--json');

    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout) as { items: { event_id: string }[]; next_cursor: string | null };
    expect(body.items.map((d) => d.event_id)).toEqual([ID, ID2]);
    expect(body.next_cursor).toBeNull();
  });

  it('when there are none, then it says so', async () => {
    stub.on('GET', '/api/admin/dead-letters', { body: { items: [], next_cursor: null } });
    const result = await cli('dlq', 'list');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('No dead letters.\n');
  });

  it('when the token lacks the admin role, then the 403 message is passed through with exit 1', async () => {
    stub.on('GET', '/api/admin/dead-letters', {
      status: 403,
      body: {
        error: {
          code: 'FORBIDDEN',
          message: 'GET /api/admin/dead-letters needs the admin role; this token has viewer.',
        },
      },
    });
    const result = await cli('dlq', 'list');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'mcpctl: GET /api/admin/dead-letters needs the admin role; this token has viewer. (FORBIDDEN)\n',
    );
  });
});

describe('mcpctl dlq redrive', () => {
  it('when event ids are given, then it posts them for the topic and prints what was redriven and not found', async () => {
    stub.on('POST', '/api/admin/dead-letters/redrive', {
      body: { topic: TOPIC, count: 1, event_ids: [ID], not_found: [ID2], busy: [], more: false },
    });

    const result = await cli('dlq', 'redrive', '--topic', TOPIC, '--event-id', ID, '--event-id', ID2);

    expect(result.code).toBe(0);
    expect(stub.requests[0].body).toEqual({ topic: TOPIC, event_ids: [ID, ID2] });
    expect(result.stdout).toBe(
      `Redrove 1 event to ${TOPIC}.\n  ${ID}\nNo dead letter on this topic for: ${ID2}\n`,
    );
  });

  it('when a time range is given with --json, then it posts since and until and prints the answer raw', async () => {
    const answer = { topic: TOPIC, count: 2, event_ids: [ID, ID2], not_found: [], busy: [], more: true };
    stub.on('POST', '/api/admin/dead-letters/redrive', { body: answer });

    const result = await cli(
      'dlq',
      'redrive',
      '--topic',
      TOPIC,
      '--since',
      '2026-11-23T00:00:00Z',
      '--until',
      '2026-11-24T00:00:00Z',
      '--json',
    );

    expect(result.code).toBe(0);
    expect(stub.requests[0].body).toEqual({
      topic: TOPIC,
      since: '2026-11-23T00:00:00Z',
      until: '2026-11-24T00:00:00Z',
    });
    expect(JSON.parse(result.stdout)).toEqual(answer);
  });

  it('when the range says there is more and an event is busy, then the table output says so', async () => {
    stub.on('POST', '/api/admin/dead-letters/redrive', {
      body: { topic: TOPIC, count: 0, event_ids: [], not_found: [], busy: [ID], more: true },
    });
    const result = await cli('dlq', 'redrive', '--topic', TOPIC, '--since', AT, '--until', AT);
    expect(result.stdout).toContain(`Being redriven by another call right now (not sent twice): ${ID}`);
    expect(result.stdout).toContain('More dead letters match this range');
  });

  it('when neither ids nor a whole range are given, or both, then it exits 1 without calling the API', async () => {
    for (const args of [
      ['--topic', TOPIC],
      ['--topic', TOPIC, '--since', AT],
      ['--topic', TOPIC, '--event-id', ID, '--since', AT, '--until', AT],
    ]) {
      const result = await cli('dlq', 'redrive', ...args);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^mcpctl: (Give either --event-id|A time range needs both)/);
    }
    const noTopic = await cli('dlq', 'redrive', '--event-id', ID);
    expect(noTopic.code).not.toBe(0);
    expect(noTopic.stderr).toContain('--topic');
    expect(stub.requests).toEqual([]);
  });

  it('when the API refuses the topic, then its message is passed through with exit 1', async () => {
    stub.on('POST', '/api/admin/dead-letters/redrive', {
      status: 400,
      body: { error: { code: 'UNKNOWN_TOPIC', message: 'mcp-host.nope.v1 is not a topic of the registry.' } },
    });
    const result = await cli('dlq', 'redrive', '--topic', 'mcp-host.nope.v1', '--event-id', ID);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('mcpctl: mcp-host.nope.v1 is not a topic of the registry. (UNKNOWN_TOPIC)\n');
  });
});

describe('mcpctl dlq against the standalone host', () => {
  const PLATFORM_DIST = join(__dirname, '..', '..', 'platform', 'dist');
  // The kit's test helpers and kafkajs, from the built kit next door (the CLI itself never depends on them).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Kafka, logLevel } = require(require.resolve('kafkajs', { paths: [PLATFORM_DIST] })) as {
    Kafka: new (o: { clientId: string; brokers: string[]; logLevel: number }) => {
      producer(): {
        connect(): Promise<void>;
        send(o: {
          topic: string;
          messages: { key: string; value: string; headers: Record<string, string> }[];
        }): Promise<unknown>;
        disconnect(): Promise<void>;
      };
    };
    logLevel: { NOTHING: number };
  };
  /* eslint-enable @typescript-eslint/no-require-imports */

  let host: StandaloneHost;
  let url: string;
  let token: string;
  let brokers: string[];

  beforeAll(async () => {
    host = await startStandaloneHost('dlq-e2e');
    ({ url, token, brokers } = host);
  }, 300_000);

  afterAll(async () => {
    await host?.stop();
  });

  const mcpctl = (...args: string[]) => runCli([...args, '--url', url, '--token', token]);

  const listed = async (eventId: string) => {
    const result = await mcpctl('dlq', 'list', '--topic', 'mcp-host.servers.v1', '--limit', '200', '--json');
    expect(result.code).toBe(0);
    const page = JSON.parse(result.stdout) as {
      items: { event_id: string; reason: string; count: number; redrive_count: number }[];
    };
    return page.items.find((d) => d.event_id === eventId);
  };

  it('when the services cannot validate an event, then it is listed with its reason and a redrive sends it back', async () => {
    // A server.deleted whose payload is not one: every consumer of the servers topic dead-letters it.
    const eventId = randomUUID();
    const producer = new Kafka({ clientId: 'dlq-e2e', brokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({
      topic: 'mcp-host.servers.v1',
      messages: [
        {
          key: 'dlq-e2e',
          value: JSON.stringify({ not: 'a server' }),
          headers: {
            ce_id: eventId,
            ce_type: 'server.deleted',
            ce_source: 'dlq-e2e',
            ce_time: new Date().toISOString(),
            ce_specversion: '1.0',
            'content-type': 'application/json',
          },
        },
      ],
    });
    await producer.disconnect();

    const first = await waitFor(async () => listed(eventId), { timeoutMs: 60_000, what: 'the dead letter' });
    expect(first).toMatchObject({ reason: 'schema_invalid', redrive_count: 0 });

    const table = await mcpctl('dlq', 'list', '--reason', 'schema_invalid', '--type', 'server.deleted');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${eventId}.*server\\.deleted.*schema_invalid`));

    const redriven = await mcpctl('dlq', 'redrive', '--topic', 'mcp-host.servers.v1', '--event-id', eventId);
    expect(redriven.code).toBe(0);
    expect(redriven.stdout).toBe(`Redrove 1 event to mcp-host.servers.v1.\n  ${eventId}\n`);
    // Still not valid: dead-lettered again, counted on the same row with the redrive recorded.
    await waitFor(
      async () => {
        const d = await listed(eventId);
        return d !== undefined && d.redrive_count === 1 && d.count > first.count;
      },
      { timeoutMs: 60_000, what: 'the redriven event to be dead-lettered again' },
    );
  });

  it('when a viewer lists dead letters, then the 403 message is passed through with exit 1', async () => {
    const created = await mcpctl('tokens', 'create', 'dlq-viewer', '--role', 'viewer', '--json');
    const viewer = (JSON.parse(created.stdout) as { token: string }).token;
    const result = await runCli(['dlq', 'list', '--url', url, '--token', viewer]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'mcpctl: GET /api/admin/dead-letters needs the admin role; this token has viewer. (FORBIDDEN)\n',
    );
  });
});
