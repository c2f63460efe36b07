// The token routes the gateway answers itself: who am I, list, create and revoke.
import { Injectable } from '@nestjs/common';
import { UuidParamPipe } from '@mcp-host/platform';
import { tokenListQuerySchema } from '@mcp-host/contracts';
import { LOCAL_BODY_LIMIT_BYTES, readJsonBody } from '../api/read-json-body';
import type { LocalHandlers } from '../api/local-route';
import { parseCreateTokenBody } from './token-input';
import { TokenService } from './token.service';

type TokenRoute = 'GET /api/tokens/me' | 'GET /api/tokens' | 'POST /api/tokens' | 'DELETE /api/tokens/:id';

@Injectable()
export class TokenHandlers {
  constructor(private readonly tokens: TokenService) {}

  readonly routes: LocalHandlers<TokenRoute> = {
    'GET /api/tokens/me': async ({ caller }) => ({ body: this.tokens.self(caller) }),
    'GET /api/tokens': async ({ req }) => ({
      body: await this.tokens.list(tokenListQuerySchema.parse(req.query ?? {})),
    }),
    'POST /api/tokens': async ({ req, caller }) => {
      const body = parseCreateTokenBody(await readJsonBody(req, LOCAL_BODY_LIMIT_BYTES));
      return { status: 201, body: await this.tokens.create(body, caller) };
    },
    'DELETE /api/tokens/:id': async ({ params, caller }) => {
      await this.tokens.revoke(new UuidParamPipe('token').transform(params.id), caller);
      return { status: 204 };
    },
  };
}
