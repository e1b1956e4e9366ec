#!/usr/bin/env node
// Compiles the services and the libs they use from TypeScript to CommonJS in dist/ (the Dockerfile's build stage
// runs this; libs/testing/src/lib/dist-build.int-spec.ts proves the output boots). The layout mirrors the source
// (dist/apps/gateway/src/main.js), so `__dirname`-relative data files keep working once copied alongside.
// `@switchyard/*` imports are rewritten to relative paths from tsconfig.base.json's `paths`, so the output needs
// no workspace symlinks and no TypeScript loader at run time: only the production dependencies.
//   node scripts/build-dist.js [outDir]
'use strict';
const { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join, relative, resolve } = require('node:path');
const { transformFileSync } = require('@swc/core');

const ROOT = join(__dirname, '..');
const OUT = resolve(ROOT, process.argv[2] ?? 'dist');
const SERVICES = ['gateway', 'router', 'billing', 'ledger', 'chain-watcher'];
const LIBS = readdirSync(join(ROOT, 'libs')).filter((lib) => lib !== 'testing' && existsSync(join(ROOT, 'libs', lib, 'src')));
/** Tests, fixtures and type-only files never ship. */
const SKIP = /(\.(spec|int-spec|chaos-spec|e2e-spec)\.ts|\.d\.ts)$|(^|\/)(__fixtures__|test)(\/|$)/;

const swcrc = JSON.parse(readFileSync(join(ROOT, '.swcrc'), 'utf8'));
delete swcrc.$schema;
const paths = JSON.parse(readFileSync(join(ROOT, 'tsconfig.base.json'), 'utf8')).compilerOptions.paths;

function* walk(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

function build(sourceDir) {
  let files = 0;
  for (const file of walk(sourceDir)) {
    const rel = relative(ROOT, file);
    if (SKIP.test(rel)) continue;
    const target = join(OUT, rel);
    mkdirSync(dirname(target), { recursive: true });
    if (!rel.endsWith('.ts')) {
      cpSync(file, target); // data next to the code (llms.md, default-routing-config.json, …)
      continue;
    }
    const { code, map } = transformFileSync(file, {
      ...swcrc,
      swcrc: false,
      filename: file,
      sourceMaps: true,
      jsc: { ...swcrc.jsc, baseUrl: ROOT, paths },
    });
    const js = target.replace(/\.ts$/, '.js');
    writeFileSync(js, `${code}\n//# sourceMappingURL=${relative(dirname(js), `${js}.map`)}\n`);
    if (map) writeFileSync(`${js}.map`, map);
    files++;
  }
  return files;
}

rmSync(OUT, { recursive: true, force: true });
let compiled = 0;
for (const service of SERVICES) compiled += build(join(ROOT, 'apps', service, 'src'));
for (const lib of LIBS) compiled += build(join(ROOT, 'libs', lib, 'src'));
// Price data: libs/pricing reads ../../data from its compiled lib folder.
cpSync(join(ROOT, 'libs', 'pricing', 'data'), join(OUT, 'libs', 'pricing', 'data'), { recursive: true });
// The dashboard, when built (npm run build in apps/dashboard), is served by the gateway from apps/dashboard/dist.
if (existsSync(join(ROOT, 'apps', 'dashboard', 'dist'))) cpSync(join(ROOT, 'apps', 'dashboard', 'dist'), join(OUT, 'apps', 'dashboard', 'dist'), { recursive: true });
console.log(`compiled ${compiled} files into ${relative(ROOT, OUT) || '.'}`);
