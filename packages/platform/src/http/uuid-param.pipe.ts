// The one path-parameter pipe for ids: anything but a UUID is a 400 INVALID_ID naming the parameter, before any query.
import type { PipeTransform } from '@nestjs/common';
import { uuidSchema } from '@mcp-host/contracts';
import { ApiException } from './api.exception';

export class UuidParamPipe implements PipeTransform<unknown, string> {
  /** @param what names the id in the message, e.g. `server` gives "The server id must be a UUID." */
  constructor(private readonly what?: string) {}

  transform(value: unknown): string {
    if (typeof value !== 'string' || !uuidSchema.safeParse(value).success) {
      throw new ApiException(400, 'INVALID_ID', `The ${this.what ? `${this.what} ` : ''}id must be a UUID.`);
    }
    return value;
  }
}
