import { BaseEnvSchema, httpPortSchema, loadEnvOrExit } from '@switchyard/config';
import { z } from 'zod';

export const RouterEnvSchema = BaseEnvSchema.extend({
  HOST: z.string().default('127.0.0.1'),
  PORT: httpPortSchema(8082),
  PRICE_DATA_DIR: z.string().optional(),
});
export type RouterEnv = z.output<typeof RouterEnvSchema>;

export const loadRouterEnv = () => loadEnvOrExit(RouterEnvSchema, 'router');
