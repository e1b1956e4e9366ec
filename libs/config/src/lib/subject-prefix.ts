import { SubjectPrefixSchema } from './base.env';

/** The subject prefix for this process, read once (handlers register subjects at import time). */
let cachedPrefix: string | undefined;
export function natsSubjectPrefix(): string {
  cachedPrefix ??= SubjectPrefixSchema.parse(process.env.NATS_SUBJECT_PREFIX);
  return cachedPrefix;
}
