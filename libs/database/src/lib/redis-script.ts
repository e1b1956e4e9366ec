import type Redis from 'ioredis';

/** Runs a Lua script with its keys and arguments; see redisScript. */
export type RedisScriptRunner = (keys: string[], args: string[]) => Promise<unknown>;

/**
 * A Lua script registered on the client (ioredis `defineCommand`): each call sends its SHA1 (EVALSHA) and the text
 * only when Redis answers NOSCRIPT, instead of the whole text with every EVAL, which Redis then hashes again.
 * `name` must be unique per script on one client.
 */
export function redisScript(redis: Redis, name: string, lua: string): RedisScriptRunner {
  const commands = redis as unknown as Record<string, ((...args: string[]) => Promise<unknown>) | undefined>;
  if (typeof commands[name] !== 'function') redis.defineCommand(name, { lua });
  const run = commands[name]!.bind(redis);
  return (keys, args) => run(String(keys.length), ...keys, ...args);
}
