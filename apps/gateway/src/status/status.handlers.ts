// The platform's status and its API documentation, answered by the gateway itself.
import { Injectable } from '@nestjs/common';
import type { LocalHandlers } from '../api/local-route';
import { apiDocs, wantsHtml } from '../docs/api-docs';
import { StatusService } from './status.service';

@Injectable()
export class StatusHandlers {
  constructor(private readonly status: StatusService) {}

  readonly routes: LocalHandlers<'GET /api/status' | 'GET /api/docs'> = {
    'GET /api/status': async () => ({ body: await this.status.report() }),
    'GET /api/docs': async ({ req }) => {
      const docs = apiDocs();
      const html = wantsHtml(req.headers.accept, (req.query as Record<string, unknown> | undefined)?.format);
      return {
        headers: {
          'content-type': html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
          vary: 'accept',
        },
        body: html ? docs.html : docs.json,
      };
    },
  };
}
