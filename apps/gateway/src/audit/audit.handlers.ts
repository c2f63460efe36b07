// The audit trail's read route, answered by the gateway itself.
import { Injectable } from '@nestjs/common';
import { auditListQuerySchema } from '@mcp-host/contracts';
import type { LocalHandlers } from '../api/local-route';
import { AuditService } from './audit.service';

@Injectable()
export class AuditHandlers {
  constructor(private readonly audit: AuditService) {}

  readonly routes: LocalHandlers<'GET /api/audit'> = {
    'GET /api/audit': async ({ req }) => ({
      body: await this.audit.list(auditListQuerySchema.parse(req.query ?? {})),
    }),
  };
}
