import { z } from 'zod';

/** Thrown at boot when the environment does not satisfy a service's schema; names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses env once with zod. The only place that reads process.env. */
export function loadEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(root)';
    const value = issue.path.length === 1 ? env[String(issue.path[0])] : undefined;
    return value === undefined ? `${name}: ${issue.message}` : `${name}=${JSON.stringify(value)}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

/** For main.ts: parse, or print the problems and exit 1 so a bad deploy stops at once. */
export function loadEnvOrExit<S extends z.ZodType>(schema: S, serviceName: string): z.output<S> {
  try {
    return loadEnv(schema);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`[${serviceName}] ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
