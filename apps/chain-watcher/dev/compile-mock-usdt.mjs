#!/usr/bin/env node
// Rebuilds mock-usdt.json (abi + bytecode) from MockUSDT.sol with solc-js (npm `solc`, no download).
// Run: node apps/chain-watcher/dev/compile-mock-usdt.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import solc from 'solc';

const here = dirname(fileURLToPath(import.meta.url));
const input = {
  language: 'Solidity',
  sources: { 'MockUSDT.sol': { content: readFileSync(join(here, 'MockUSDT.sol'), 'utf8') } },
  settings: { evmVersion: 'paris', optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
if (out.errors?.some((e) => e.severity === 'error')) {
  console.error(out.errors);
  process.exit(1);
}
const contract = out.contracts['MockUSDT.sol'].MockUSDT;
writeFileSync(join(here, 'mock-usdt.json'), `${JSON.stringify({ compiler: `solc ${solc.version()}`, abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` }, null, 2)}\n`);
console.log(`solc ${solc.version()}: mock-usdt.json, ${contract.evm.bytecode.object.length / 2} bytes of bytecode`);
