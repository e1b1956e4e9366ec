import type { CommandContract, CommandRequest } from '@switchyard/contracts';
import { AppError } from '@switchyard/errors';

/** A command's request validated by its contract; the first issue as an invalid_request naming the subject. */
export function parseCommandRequest<C extends CommandContract>(contract: C, value: unknown): CommandRequest<C> {
  const parsed = contract.request.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('invalid_request', `${contract.subject}: ${issue?.path.join('.') || 'payload'} ${issue?.message ?? 'is invalid'}`);
  }
  return parsed.data as CommandRequest<C>;
}
