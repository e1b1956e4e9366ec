// Renders docs/configuration.md from the services' zod env schemas: every variable, whether it is required,
// its default, and the `/** … */` comment written above it in the schema source.
//   node -r @swc-node/register scripts/config-reference.ts          rewrite docs/configuration.md
//   node -r @swc-node/register scripts/config-reference.ts --check  exit 1 when the file is out of date
// libs/testing/src/lib/config-reference.spec.ts runs the same check in the unit suite.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import type { z } from 'zod';
import { BaseEnvSchema } from '../libs/config/src';
import { BillingEnvSchema } from '../apps/billing/src/config/billing.env';
import { ChainWatcherEnvSchema } from '../apps/chain-watcher/src/config/chain-watcher.env';
import { GatewayEnvSchema } from '../apps/gateway/src/config/gateway.env';
import { LedgerEnvSchema } from '../apps/ledger/src/config/ledger.env';
import { RouterEnvSchema } from '../apps/router/src/config/router.env';
import { OPENAI_COMPATIBLE_PROVIDERS } from '../apps/gateway/src/providers/openai-compatible-providers';

export const REPO_ROOT = join(__dirname, '..');
export const CONFIGURATION_DOC_PATH = join(REPO_ROOT, 'docs', 'configuration.md');
const BASE_ENV_SOURCE = 'libs/config/src/lib/base.env.ts';

type EnvSchema = z.ZodObject<Record<string, z.ZodType>>;

export interface ServiceEnv {
  readonly service: string;
  readonly schema: EnvSchema;
  /** The file whose comments describe the variables (the base file is read as well). */
  readonly source: string;
}

export const SERVICE_ENVS: readonly ServiceEnv[] = [
  { service: 'gateway', schema: GatewayEnvSchema as unknown as EnvSchema, source: 'apps/gateway/src/config/gateway.env.ts' },
  { service: 'router', schema: RouterEnvSchema as unknown as EnvSchema, source: 'apps/router/src/config/router.env.ts' },
  { service: 'billing', schema: BillingEnvSchema as unknown as EnvSchema, source: 'apps/billing/src/config/billing.env.ts' },
  { service: 'ledger', schema: LedgerEnvSchema as unknown as EnvSchema, source: 'apps/ledger/src/config/ledger.env.ts' },
  { service: 'chain-watcher', schema: ChainWatcherEnvSchema as unknown as EnvSchema, source: 'apps/chain-watcher/src/config/chain-watcher.env.ts' },
];

export interface EnvVar {
  readonly name: string;
  readonly required: boolean;
  /** The default as the env would spell it; undefined when there is none. */
  readonly defaultValue?: string;
  /** `a \| b` for enums, otherwise number or string. */
  readonly type: string;
  readonly description: string;
}

interface ZodDefNode {
  type: string;
  defaultValue?: unknown;
  innerType?: ZodLike;
  in?: ZodLike;
  out?: ZodLike;
  entries?: Record<string, string>;
}
interface ZodLike {
  _zod: { def: ZodDefNode };
  safeParse(value: unknown): { success: boolean };
}

/** Depth-first over wrappers (default, optional, pipe, preprocess), bounded. */
function* walk(schema: ZodLike, depth = 0): Generator<ZodDefNode> {
  if (depth > 16) return;
  const def = schema._zod.def;
  yield def;
  for (const child of [def.innerType, def.in, def.out]) if (child) yield* walk(child, depth + 1);
}

function describeType(schema: ZodLike): string {
  for (const def of walk(schema)) {
    if (def.type === 'enum' && def.entries) return Object.values(def.entries).join(' \\| ');
    if (def.type === 'number' || def.type === 'bigint') return 'integer';
  }
  return 'string';
}

function defaultOf(schema: ZodLike): string | undefined {
  for (const def of walk(schema)) {
    if (def.type === 'default') {
      const value = def.defaultValue;
      return typeof value === 'string' ? value : String(value);
    }
  }
  return undefined;
}

/** A variable is required when the schema rejects its absence (no default, not optional). */
export function envVarsOf(schema: EnvSchema, descriptions: ReadonlyMap<string, string>): EnvVar[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const zodField = field as unknown as ZodLike;
    return {
      name,
      required: !zodField.safeParse(undefined).success,
      defaultValue: defaultOf(zodField),
      type: describeType(zodField),
      description: descriptions.get(name) ?? '',
    };
  });
}

/** `NAME: …` properties preceded by a `/** … *\/` comment in a schema source file. */
export function readDescriptions(relativePath: string): Map<string, string> {
  const text = readFileSync(join(REPO_ROOT, relativePath), 'utf8');
  const file = ts.createSourceFile(relativePath, text, ts.ScriptTarget.ES2022, true);
  const descriptions = new Map<string, string>();
  // A property like `X: SomeSchema` takes the comment of `const SomeSchema` when it has none of its own.
  const constants = new Map<string, string>();
  const docOf = (node: ts.Node): string | undefined => {
    const comments = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
    const doc = comments.filter((range) => text.startsWith('/**', range.pos)).pop();
    return doc ? cleanComment(text.slice(doc.pos, doc.end)) : undefined;
  };
  const pending: Array<[string, string]> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isVariableStatement(node)) {
      const doc = docOf(node);
      for (const declaration of node.declarationList.declarations) if (doc && ts.isIdentifier(declaration.name)) constants.set(declaration.name.text, doc);
    }
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && /^[A-Z][A-Z0-9_]*$/.test(node.name.text)) {
      const doc = docOf(node);
      if (doc) descriptions.set(node.name.text, doc);
      else if (ts.isIdentifier(node.initializer)) pending.push([node.name.text, node.initializer.text]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  for (const [name, constant] of pending) {
    const doc = constants.get(constant);
    if (doc) descriptions.set(name, doc);
  }
  return descriptions;
}

function cleanComment(comment: string): string {
  return comment
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, '').trim())
    .filter(Boolean)
    .join(' ');
}

/** Generated provider variables have no comment of their own in the schema. */
function providerDescriptions(): Map<string, string> {
  const descriptions = new Map<string, string>();
  for (const provider of OPENAI_COMPATIBLE_PROVIDERS) {
    descriptions.set(`${provider.envPrefix}_API_KEY`, `API key of the \`${provider.id}\` provider (OpenAI-compatible kit); unset = provider off. Also accepted from PROVIDER_SECRETS_FILE.`);
    descriptions.set(`${provider.envPrefix}_BASE_URL`, `Base URL of the \`${provider.id}\` provider; unset = the default in its provider folder.`);
  }
  return descriptions;
}

const cell = (value: string): string => value.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (value: string): string => (value === '' ? '`""`' : `\`${value.replace(/`/g, "'")}\``);

function table(vars: readonly EnvVar[]): string {
  const rows = vars.map((v) => {
    const fallback = v.defaultValue === undefined ? '—' : code(v.defaultValue);
    // The type cell may already hold escaped pipes (enums); descriptions are escaped here.
    return `| \`${v.name}\` | ${v.required ? '**yes**' : 'no'} | ${cell(fallback)} | ${v.type} | ${cell(v.description)} |`;
  });
  return ['| Variable | Required | Default | Type | Description |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** The whole document. Pure apart from reading the schema source files for their comments. */
export function renderConfigReference(): string {
  const baseDescriptions = readDescriptions(BASE_ENV_SOURCE);
  const baseVars = envVarsOf(BaseEnvSchema as unknown as EnvSchema, baseDescriptions);
  const baseNames = new Set(baseVars.map((v) => v.name));
  const sections = SERVICE_ENVS.map(({ service, schema, source }) => {
    const descriptions = new Map([...baseDescriptions, ...providerDescriptions(), ...readDescriptions(source)]);
    const own = envVarsOf(schema, descriptions).filter((v) => !baseNames.has(v.name));
    return [`## ${service}`, '', `Schema: \`${source}\`.`, '', table(own)].join('\n');
  });
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from the zod env schemas by `node -r @swc-node/register scripts/config-reference.ts`. Do not edit by hand;',
    '     a unit test (libs/testing/src/lib/config-reference.spec.ts) fails when this file is out of date. -->',
    '',
    'Every service reads its configuration only from the environment, parsed by zod at boot; a bad value stops',
    'the service with a message naming the variable. **Required** means the schema has no default and the',
    'variable is not optional. In Kubernetes, non-secret values come from the ConfigMap `switchyard-config` and',
    'secrets from `switchyard-secrets` (see `deploy/base/config.yaml`).',
    '',
    '## Every service',
    '',
    `Schema: \`${BASE_ENV_SOURCE}\`. Note that \`HOST\` (per service, below) defaults to \`127.0.0.1\`: set`,
    '`HOST=0.0.0.0` in a container.',
    '',
    table(baseVars),
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
}

function main(argv: readonly string[]): void {
  const rendered = renderConfigReference();
  if (argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(CONFIGURATION_DOC_PATH, 'utf8');
    } catch {
      // missing counts as out of date
    }
    if (current !== rendered) {
      process.stderr.write('docs/configuration.md is out of date: run node -r @swc-node/register scripts/config-reference.ts\n');
      process.exit(1);
    }
    return;
  }
  writeFileSync(CONFIGURATION_DOC_PATH, rendered);
  process.stdout.write(`wrote ${CONFIGURATION_DOC_PATH}\n`);
}

if (require.main === module) main(process.argv.slice(2));
