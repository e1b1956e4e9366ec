import { z } from 'zod';
import { BaseEnvSchema } from './base.env';
import { ConfigError, loadEnv } from './load-env';

describe('loadEnv', () => {
  it('applies defaults', () => {
    const env = loadEnv(BaseEnvSchema, {});
    expect(env.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(env.RUN_MIGRATIONS).toBe(true);
  });

  it('names every bad variable and its value', () => {
    const schema = BaseEnvSchema.extend({ PORT: z.coerce.number().int().max(65_535) });
    try {
      loadEnv(schema, { DATABASE_URL: 'not a url', PORT: '99999', NATS_SUBJECT_PREFIX: 'Bad Prefix' });
      throw new Error('expected ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain('DATABASE_URL="not a url"');
      expect(message).toContain('PORT="99999"');
      expect(message).toContain('NATS_SUBJECT_PREFIX');
    }
  });
});
