// Parses a request part with a contracts schema; a failure is a 400 VALIDATION_FAILED naming each bad field.
import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ApiException } from './api.exception';
import { zodIssuesMessage } from './api-exception.filter';

export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value ?? {});
    if (!result.success) {
      throw new ApiException(400, 'VALIDATION_FAILED', zodIssuesMessage(result.error), result.error.issues);
    }
    return result.data;
  }
}
