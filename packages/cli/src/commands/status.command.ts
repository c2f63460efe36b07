// `mcpctl status`: readiness of the gateway and every service behind it, one row per service.
import { serviceStatusSchema, type ServiceStatus } from '@mcp-host/contracts';
import type { Command } from 'commander';
import { decode } from '../api-client';
import { CliError } from '../cli-error';
import { API } from '../api-routes';
import { contextFor } from '../context';
import type { CliIo } from '../io';

export function registerStatusCommand(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('Show whether the gateway and each service are ready, with their checks.')
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, out } = contextFor(cmd, io);
      const body = await client.call(API.status);
      if (out.json) return out.raw(body);
      const report = readReport(body);
      out.line(`MCP Host is ${report.status}.`);
      const rows = report.services;
      out.table(
        rows,
        [
          { header: 'SERVICE', value: ([name]) => name },
          { header: 'STATUS', value: ([, s]) => s.status },
          { header: 'CHECKS', value: ([, s]) => describeChecks(s) },
        ],
        'No services reported.',
      );
    });
}

function describeChecks(s: ServiceStatus): string {
  const checks = Object.entries(s.checks ?? {}).map(([name, state]) => `${name}: ${state}`);
  if (s.error !== undefined) checks.push(`error: ${s.error}`);
  return checks.join('\n');
}

/**
 * Reads each service on its own rather than with `statusResponseSchema`, whose service names are exhaustive: a
 * gateway that gained a service must not make `status`, the first thing one runs when something is wrong, fail.
 */
function readReport(body: unknown): { status: string; services: [string, ServiceStatus][] } {
  const { status, services } = (typeof body === 'object' && body !== null ? body : {}) as {
    status?: unknown;
    services?: unknown;
  };
  if (typeof status !== 'string' || typeof services !== 'object' || services === null) {
    throw new CliError(
      'The answer to GET /api/status is not what this mcpctl expects (no status and services); try --json.',
    );
  }
  return {
    status,
    services: Object.entries(services).map(([name, value]): [string, ServiceStatus] => [
      name,
      decode(serviceStatusSchema, value, `GET /api/status (service ${name})`),
    ]),
  };
}
