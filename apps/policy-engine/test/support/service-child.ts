// The policy engine as its own process, for crash tests: prints its URL when it listens.
import { createServiceApp } from '@mcp-host/platform';
import { PolicyEngineModule } from '../../src';

void (async () => {
  const service = await createServiceApp(
    PolicyEngineModule.forRoot({ env: process.env as Record<string, string> }),
  );
  const url = await service.listen(0, '127.0.0.1');
  process.stdout.write(`LISTENING ${url}\n`);
})();
