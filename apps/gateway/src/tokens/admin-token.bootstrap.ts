// On the first start, mints the admin token and writes it to GATEWAY_ADMIN_TOKEN_FILE; later starts keep the one that exists.
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectConfig, InjectLogger, Transactions } from '@mcp-host/platform';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../gateway.config';
import { adminTokenFile } from './admin-token-file';
import { tokenSecret } from './token-secret';
import { TokenRepository } from './token.repository';

const LOCK_KEY = 'mcp-host.gateway.admin-token';
export const BOOTSTRAP_ADMIN_NAME = 'bootstrap-admin';

@Injectable()
export class AdminTokenBootstrap implements OnModuleInit {
  constructor(
    private readonly tx: Transactions,
    private readonly tokens: TokenRepository,
    @InjectConfig() private readonly config: GatewayConfig,
    @InjectLogger() private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.ensureAdminToken();
  }

  /** Returns 'created' when this call minted the token, 'kept' when one already existed. */
  async ensureAdminToken(): Promise<'created' | 'kept'> {
    const file = resolve(this.config.GATEWAY_ADMIN_TOKEN_FILE);
    // Replicas starting together serialise here, so exactly one of them mints the token.
    const outcome = await this.tx.run(async (m) => {
      await this.tokens.advisoryLock(m, LOCK_KEY);
      if (await this.tokens.hasActiveAdmin(m)) return 'kept' as const;
      const token = tokenSecret.generate();
      await this.tokens.insert(m, {
        id: randomUUID(),
        name: BOOTSTRAP_ADMIN_NAME,
        owner: 'admin',
        role: 'admin',
        token_hash: tokenSecret.hash(token),
        prefix: tokenSecret.displayPrefix(token),
        expires_at: null,
      });
      // Written before commit: if the file cannot be written, the row rolls back and the next start tries again.
      await adminTokenFile.write(file, token).catch((err: unknown) => {
        throw new Error(
          `Cannot write the admin token file ${file} (GATEWAY_ADMIN_TOKEN_FILE): ${(err as Error).message}`,
        );
      });
      return 'created' as const;
    });
    if (outcome === 'created') {
      this.logger.info({ file }, 'admin token created and written to GATEWAY_ADMIN_TOKEN_FILE');
    } else if (!(await adminTokenFile.exists(file))) {
      this.logger.warn(
        { file },
        `the admin token file ${file} is missing and the token is stored only as a hash, so it is not written again. ` +
          'Create another admin token with POST /api/tokens {"name":"admin","role":"admin"} using an admin token, or ' +
          "revoke every admin token (UPDATE gateway.api_tokens SET revoked_at = now() WHERE role = 'admin') and restart " +
          'the gateway to have a new one written to this file.',
      );
    }
    return outcome;
  }
}
