// Runs the built gateway in its own process for the benchmark and answers the runner's questions over IPC
// (its RSS and the state of its SSE feeds). Configuration comes from the environment, as in production.
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { createServiceApp } from '@mcp-host/platform';
import type { DynamicModule } from '@nestjs/common';

interface GatewayDist {
  GatewayModule: { forRoot(): DynamicModule };
}
interface HubDist {
  StreamHub: new (...args: never[]) => { describe(): unknown; streamCount: number };
}

const dist = resolve(__dirname, '..', '..', 'apps', 'gateway', 'dist');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { GatewayModule } = require(`${dist}/index.js`) as GatewayDist;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { StreamHub } = require(`${dist}/streams/stream-hub.service.js`) as HubDist;

function rssMiB(): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
  return kb / 1024;
}

async function main() {
  const service = await createServiceApp(GatewayModule.forRoot());
  const url = await service.listen();
  const hub = service.app.get(StreamHub);
  process.on('message', (msg: { id: number; ask: string }) => {
    if (msg.ask === 'stats') {
      process.send?.({ id: msg.id, rss: rssMiB(), streams: hub.streamCount, feeds: hub.describe() });
    } else if (msg.ask === 'stop') {
      void service.close().then(() => process.exit(0));
    }
  });
  process.send?.({ url });
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
