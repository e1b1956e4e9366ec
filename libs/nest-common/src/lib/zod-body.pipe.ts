import type { PipeTransform } from '@nestjs/common';
import { AppError } from '@switchyard/errors';
import type { z } from 'zod';

/** Validates a request body with its zod schema; the first issue names the param, as OpenAI does. */
export class ZodBodyPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    if (value === undefined || value === null || typeof value !== 'object') {
      throw new AppError('invalid_request', 'Request body must be a JSON object.');
    }
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const param = issue?.path.length ? issue.path.join('.') : null;
    throw new AppError('invalid_request', param ? `Invalid value for '${param}': ${issue?.message}` : (issue?.message ?? 'Invalid request body.'), { param });
  }
}
