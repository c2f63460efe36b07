// The dead-letter routes the gateway answers itself: list and redrive.
import { Injectable } from '@nestjs/common';
import { deadLetterListQuerySchema, redriveDeadLettersBodySchema } from '@mcp-host/contracts';
import { LOCAL_BODY_LIMIT_BYTES, readJsonBody } from '../api/read-json-body';
import type { LocalHandlers } from '../api/local-route';
import { DeadLetterService } from './dead-letter.service';

@Injectable()
export class DeadLetterHandlers {
  constructor(private readonly deadLetters: DeadLetterService) {}

  readonly routes: LocalHandlers<'GET /api/admin/dead-letters' | 'POST /api/admin/dead-letters/redrive'> = {
    'GET /api/admin/dead-letters': async ({ req }) => ({
      body: await this.deadLetters.list(deadLetterListQuerySchema.parse(req.query ?? {})),
    }),
    'POST /api/admin/dead-letters/redrive': async ({ req }) => {
      const body = redriveDeadLettersBodySchema.parse(await readJsonBody(req, LOCAL_BODY_LIMIT_BYTES));
      return { body: await this.deadLetters.redrive(body) };
    },
  };
}
