// Runs the built gateway in its own process for the MCP proxy benchmark; configuration comes from the environment,
// as in production. It reports its URL over IPC and stops (flushing its audit writer) when asked.
import { resolve } from 'node:path';
import { createServiceApp } from '@mcp-host/platform';
import type { DynamicModule } from '@nestjs/common';

interface GatewayDist {
  GatewayModule: { forRoot(): DynamicModule };
}

// GATEWAY_DIST points at another build of the gateway, to compare two builds on the same machine and day.
const dist = process.env.GATEWAY_DIST ?? resolve(__dirname, '..', '..', 'apps', 'gateway', 'dist');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { GatewayModule } = require(`${dist}/index.js`) as GatewayDist;

async function main() {
  const service = await createServiceApp(GatewayModule.forRoot());
  const url = await service.listen();
  process.on('message', (msg: { ask?: string }) => {
    if (msg.ask === 'stop') void service.close().then(() => process.exit(0));
  });
  process.send?.({ url });
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
