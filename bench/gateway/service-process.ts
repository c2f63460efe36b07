// Runs the built policy engine in its own process: the real service behind the REST benchmark's "straight to the
// service" path (GET /api/servers/:id, answered from its registry in PostgreSQL). Configuration comes from the
// environment, as in production.
import { resolve } from 'node:path';
import { createServiceApp } from '@mcp-host/platform';
import type { DynamicModule } from '@nestjs/common';

interface PolicyEngineDist {
  PolicyEngineModule: { forRoot(): DynamicModule };
}

const dist = resolve(__dirname, '..', '..', 'apps', 'policy-engine', 'dist');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PolicyEngineModule } = require(`${dist}/index.js`) as PolicyEngineDist;

async function main() {
  const service = await createServiceApp(PolicyEngineModule.forRoot());
  const url = await service.listen();
  process.on('message', (msg: { ask: string }) => {
    if (msg.ask === 'stop') void service.close().then(() => process.exit(0));
  });
  process.send?.({ url });
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
