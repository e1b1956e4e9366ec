#!/usr/bin/env node
// Summarises a V8 .heapsnapshot without DevTools: self size by constructor, the biggest strings, and retained size
// (dominator tree, weak edges ignored) of the biggest retainers, with the path of edge names that reaches them.
//
//   node bench/lib/heapsnapshot-top.mjs FILE.heapsnapshot [--top 25]
//
// Take one from a running service with `--heapsnapshot-signal=SIGWINCH` (DEV_STACK_NODE_FLAGS; not SIGUSR2: Nest's
// shutdown hooks stop the service on it) and `kill -WINCH <pid>`; the file lands in the service's cwd. Writing a
// snapshot runs a full GC first, so "heap used" right after it is the live heap.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opt, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
if (!positionals[0]) {
  console.error('usage: node bench/lib/heapsnapshot-top.mjs FILE.heapsnapshot [--top N]');
  process.exit(1);
}
const TOP = Number(opt.top);
const snap = JSON.parse(readFileSync(positionals[0], 'utf8'));
const meta = snap.snapshot.meta;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const [iType, iName, , iSize, iEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f));
const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f));
const { nodes, edges, strings } = snap;
const N = nodes.length / NF;
const firstEdge = new Uint32Array(N + 1);
for (let i = 0, e = 0; i < N; i++) {
  firstEdge[i] = e;
  e += nodes[i * NF + iEdges] * EF;
  firstEdge[i + 1] = e;
}
const typeOf = (n) => nodeTypes[nodes[n * NF + iType]];
const nameOf = (n) => strings[nodes[n * NF + iName]];
const sizeOf = (n) => nodes[n * NF + iSize];
const WEAK = edgeTypes.indexOf('weak');
const SHORTCUT = edgeTypes.indexOf('shortcut');
const edgeLabel = (e) => {
  const t = edgeTypes[edges[e + eType]];
  return t === 'element' || t === 'hidden' ? `[${edges[e + eName]}]` : String(strings[edges[e + eName]]);
};
const mb = (b) => (b / 1048576).toFixed(2).padStart(8);
let total = 0;
for (let n = 0; n < N; n++) total += sizeOf(n);
console.log(`${positionals[0]}: ${N} nodes, ${mb(total)} MB self size in total`);

// ------------------------------------------------------------------ self size by constructor / type
const groups = new Map();
for (let n = 0; n < N; n++) {
  const type = typeOf(n);
  const key = type === 'object' || type === 'closure' || type === 'native' ? `${type}:${nameOf(n)}` : type === 'code' || type === 'hidden' || type === 'array' ? `${type}:${String(nameOf(n)).slice(0, 40)}` : type;
  const g = groups.get(key) ?? { count: 0, size: 0 };
  g.count++;
  g.size += sizeOf(n);
  groups.set(key, g);
}
console.log(`\nself size by constructor/type (top ${TOP})\n        MB    count  what`);
for (const [key, g] of [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, TOP)) console.log(`${mb(g.size)} ${String(g.count).padStart(8)}  ${key}`);

// ------------------------------------------------------------------ biggest strings
const stringNodes = [];
for (let n = 0; n < N; n++) if (/string/.test(typeOf(n)) && sizeOf(n) > 32768) stringNodes.push(n);
console.log(`\nstrings over 32 KB: ${stringNodes.length}, ${mb(stringNodes.reduce((s, n) => s + sizeOf(n), 0))} MB`);
for (const n of stringNodes.sort((a, b) => sizeOf(b) - sizeOf(a)).slice(0, 10)) console.log(`${mb(sizeOf(n))}  ${JSON.stringify(String(nameOf(n)).slice(0, 100))}`);

// ------------------------------------------------------------------ dominators (Cooper–Harvey–Kennedy), node 0 = root
const order = new Int32Array(N).fill(-1); // postorder index
const post = new Uint32Array(N);
let count = 0;
{
  const stack = new Uint32Array(N);
  const cursor = new Uint32Array(N);
  const seen = new Uint8Array(N);
  let sp = 0;
  stack[sp++] = 0;
  seen[0] = 1;
  cursor[0] = firstEdge[0];
  while (sp > 0) {
    const n = stack[sp - 1];
    let pushed = false;
    while (cursor[n] < firstEdge[n + 1]) {
      const e = cursor[n];
      cursor[n] += EF;
      const t = edges[e + eType];
      if (t === WEAK || t === SHORTCUT) continue;
      const to = edges[e + eTo] / NF;
      if (!seen[to]) {
        seen[to] = 1;
        cursor[to] = firstEdge[to];
        stack[sp++] = to;
        pushed = true;
        break;
      }
    }
    if (!pushed) {
      sp--;
      order[n] = count;
      post[count++] = n;
    }
  }
}
const preds = Array.from({ length: N }, () => null);
for (let n = 0; n < N; n++) {
  if (order[n] < 0) continue;
  for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EF) {
    const t = edges[e + eType];
    if (t === WEAK || t === SHORTCUT) continue;
    const to = edges[e + eTo] / NF;
    (preds[to] ??= []).push(n);
  }
}
const idom = new Int32Array(N).fill(-1);
idom[0] = 0;
const intersect = (a, b) => {
  while (a !== b) {
    while (order[a] < order[b]) a = idom[a];
    while (order[b] < order[a]) b = idom[b];
  }
  return a;
};
for (let changed = true; changed; ) {
  changed = false;
  for (let i = count - 1; i >= 0; i--) {
    const n = post[i];
    if (n === 0) continue;
    let d = -1;
    for (const p of preds[n] ?? []) if (idom[p] !== -1) d = d === -1 ? p : intersect(p, d);
    if (d !== -1 && idom[n] !== d) {
      idom[n] = d;
      changed = true;
    }
  }
}
const retained = new Float64Array(N);
for (let i = 0; i < count; i++) {
  const n = post[i];
  retained[n] += sizeOf(n);
  if (n !== 0) retained[idom[n]] += retained[n];
}
// First path from the root to a node (parent by BFS over strong edges), for naming what holds it.
const parent = new Int32Array(N).fill(-1);
const parentEdge = new Int32Array(N).fill(-1);
{
  const queue = new Uint32Array(N);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  parent[0] = 0;
  while (head < tail) {
    const n = queue[head++];
    for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EF) {
      const t = edges[e + eType];
      if (t === WEAK || t === SHORTCUT) continue;
      const to = edges[e + eTo] / NF;
      if (parent[to] === -1) {
        parent[to] = n;
        parentEdge[to] = e;
        queue[tail++] = to;
      }
    }
  }
}
const pathTo = (n) => {
  const parts = [];
  for (let cur = n, hops = 0; cur !== 0 && hops < 12; cur = parent[cur], hops++) {
    if (parentEdge[cur] < 0) break;
    const p = parent[cur];
    parts.unshift(`${typeOf(p) === 'object' ? nameOf(p) : typeOf(p)}.${edgeLabel(parentEdge[cur])}`);
  }
  return parts.slice(-5).join(' → ');
};
const isSynthetic = (n) => typeOf(n) === 'synthetic' || n === 0;
const candidates = [];
for (let n = 1; n < N; n++) if (order[n] >= 0 && !isSynthetic(n) && retained[n] > 262144) candidates.push(n);
candidates.sort((a, b) => retained[b] - retained[a]);
// Skip a node when its dominator is already listed (show the outermost holder and its big children only once).
const listed = new Set();
console.log(`\nbiggest retainers (retained MB, dominator tree; nested ones under a listed holder are skipped)`);
let shown = 0;
for (const n of candidates) {
  let nested = false;
  for (let d = idom[n], hops = 0; d > 0 && hops < 64; d = idom[d], hops++) if (listed.has(d)) nested = true;
  if (nested) continue;
  listed.add(n);
  console.log(`${mb(retained[n])}  ${typeOf(n)} ${String(nameOf(n)).slice(0, 60)}   via ${pathTo(n)}`);
  if (++shown >= TOP) break;
}
