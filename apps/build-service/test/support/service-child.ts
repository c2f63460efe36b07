// The build service as its own process, for crash tests: prints its URL when it listens.
import { createServiceApp } from '@mcp-host/platform';
import { BuildServiceModule } from '../../src';

void (async () => {
  const service = await createServiceApp(
    BuildServiceModule.forRoot({ env: process.env as Record<string, string> }),
  );
  const url = await service.listen(0, '127.0.0.1');
  process.stdout.write(`LISTENING ${url}\n`);
})();
