// Usage errors of the `mcp-host` bin: one line on stderr, a non-zero exit, nothing started.
import { runCli } from './cli-process';

describe('mcp-host flags', () => {
  it.each([
    [['start', '--nope'], /unknown option '--nope'/],
    [['start', '--port', 'abc'], /--port.*must be a whole number/],
    [['start', '--port', '70000'], /--port.*must be a whole number/],
    [['start', '--target', 'gateway,nonsense'], /unknown service "nonsense"/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('when run with %j, then it exits non-zero with one line', async (args, message) => {
    const cli = runCli(args);
    const { code } = await cli.exited;
    expect(code).not.toBe(0);
    const lines = cli.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mcp-host: /);
    expect(lines[0]).toMatch(message);
  });

  it('when --target is given without DATABASE_URL and KAFKA_BROKERS, then it names what is missing in one line', async () => {
    const cli = runCli(['start', '--target', 'gateway,marketplace']);
    const { code } = await cli.exited;
    expect(code).toBe(1);
    expect(cli.stderr().trim()).toBe(
      'mcp-host: --target runs against an external Postgres and Kafka: set DATABASE_URL and KAFKA_BROKERS (missing)',
    );
  });
});
