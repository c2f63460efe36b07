// Runs the built marketplace in its own process, configured by the environment as in production: the service side
// of the marketplace benchmark.
import { resolve } from 'node:path';
import { createServiceApp } from '@mcp-host/platform';
import type { DynamicModule } from '@nestjs/common';
import { recordGcPauses } from '../lib/gc-pauses';

interface MarketplaceDist {
  MarketplaceModule: { forRoot(): DynamicModule };
}

const dist = resolve(__dirname, '..', '..', 'apps', 'marketplace', 'dist');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MarketplaceModule } = require(`${dist}/index.js`) as MarketplaceDist;

async function main() {
  const service = await createServiceApp(MarketplaceModule.forRoot());
  const url = await service.listen();
  const pauses = recordGcPauses();
  process.on('message', (msg: { ask: string }) => {
    if (msg.ask === 'stop') void service.close().then(() => process.exit(0));
    // The service's collection pauses, for the benchmark's timeline.
    if (msg.ask === 'gc') process.send?.({ gc: pauses() });
  });
  process.send?.({ url });
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
