#!/usr/bin/env node
// The `switchyard` command; TypeScript sources compiled on the fly by SWC.
const { join } = require('node:path');
process.env.SWC_NODE_PROJECT ??= join(__dirname, '..', '..', '..', 'tsconfig.json');
require('@swc-node/register');
require('../src/main.ts');
