// 20 rounds of SIGKILL against the relay, the consumer and the broker while events flow, often in the middle of a batch:
// every outbox id is reconciled against the consumer's ledger, none lost and none doubled.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, waitFor, type TestDatabase } from '../src/testing';
import { fixture, freePort, query, serviceEnv } from './helpers';

const BROKER_BIN = resolve(__dirname, '../../embedded-kafka/dist/bin.js');
const FIXTURE = resolve(__dirname, 'fixtures/ledger-fixture.js');
const ROUNDS = 20;

type Role = 'relay' | 'consumer' | 'broker';

interface Child {
  proc: ChildProcess;
  output: string[];
}

function start(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Child> {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    let done = false;
    const onData = (buf: Buffer) => {
      output.push(buf.toString());
      if (output.length > 200) output.shift();
      if (!done && ready.test(output.join(''))) {
        done = true;
        resolvePromise({ proc, output });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => {
      if (!done) {
        done = true;
        reject(new Error(`${args[0]} exited with ${code} before ready: ${output.join('').slice(-2000)}`));
      }
    });
  });
}

function kill9(c: Child): Promise<void> {
  return new Promise((r) => {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) return r();
    c.proc.once('exit', () => r());
    c.proc.kill('SIGKILL');
  });
}

describe('crash safety', () => {
  let db: TestDatabase;
  let dataDir: string;
  const children = new Map<Role, Child>();

  beforeAll(async () => {
    db = await createTestDatabase('platform_crash');
    dataDir = mkdtempSync(join(tmpdir(), 'mcp-crash-kafka-'));
  });
  afterAll(async () => {
    for (const c of children.values()) await kill9(c);
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`when the relay, the consumer and the broker are each killed -9 over ${ROUNDS} rounds, then every event is applied exactly once`, async () => {
    const port = await freePort();
    const schema = 'crash';
    const base = {
      ...process.env,
      ...serviceEnv(db.url, [`127.0.0.1:${port}`], {
        KAFKA_SESSION_TIMEOUT_MS: '3000',
        OUTBOX_POLL_INTERVAL_MS: '100',
      }),
      LEDGER_SCHEMA: schema,
    };
    const launch: Record<Role, () => Promise<Child>> = {
      broker: () =>
        start(
          [BROKER_BIN, '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'],
          base,
          /127\.0\.0\.1:\d+/,
        ),
      relay: () => start([FIXTURE], { ...base, EVENT_CONSUMER_ENABLED: 'false' }, /^ready$/m),
      consumer: () => start([FIXTURE], { ...base, OUTBOX_RELAY_ENABLED: 'false' }, /^ready$/m),
    };
    children.set('broker', await launch.broker());
    children.set('relay', await launch.relay()); // migrates the schema first
    children.set('consumer', await launch.consumer());

    const w = await fixture.writer(db.url, schema);
    const written: string[] = [];
    let writing = true;
    // Small writes with a burst of 100 every tenth one, so the relay and the consumer are often killed in the middle
    // of a multi-row batch (a relay read, a produce request, a consumer chunk's transaction).
    const writerLoop = (async () => {
      for (let i = 0; writing; i++) {
        written.push(...(await w.write(i % 10 === 0 ? 100 : 10)));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    try {
      const roles: Role[] = ['relay', 'consumer', 'broker'];
      for (let round = 0; round < ROUNDS; round++) {
        const role = roles[round % roles.length];
        await new Promise((r) => setTimeout(r, 300));
        await kill9(children.get(role)!);
        await new Promise((r) => setTimeout(r, 100));
        children.set(role, await launch[role]());
      }
    } finally {
      writing = false;
      await writerLoop;
      await w.close();
    }

    expect(written.length).toBeGreaterThan(500);
    await waitFor(
      async () => {
        const [r] = await query<{ n: number }>(
          db.url,
          `SELECT count(DISTINCT event_id)::int AS n FROM ${schema}.effects`,
        );
        return r.n >= written.length ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: `all ${written.length} events applied` },
    );
    await new Promise((r) => setTimeout(r, 1000));

    const rows = await query<{ event_id: string; n: number }>(
      db.url,
      `SELECT event_id, count(*)::int AS n FROM ${schema}.effects GROUP BY event_id`,
    );
    const duplicated = rows.filter((r) => r.n > 1);
    expect(duplicated).toEqual([]);
    const applied = new Set(rows.map((r) => r.event_id));
    const lost = written.filter((id) => !applied.has(id));
    expect(lost).toEqual([]);
    expect(applied.size).toBe(written.length);
    const [outbox] = await query<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM ${schema}.outbox`);
    expect(outbox.n).toBe(0);
  }, 600_000);
});
