/**
 * Deeper JSON than any request needs (tool schemas nest a few dozen levels at most). Parsing is iterative, but
 * stringifying and the schema converters recurse: a 50,000-deep body would overflow the stack there (a 500).
 */
export const JSON_DEPTH_MAX = 64;

/** True when `value` nests arrays/objects deeper than `depthMax`; iterative, so any depth is safe to check. */
export function exceedsJsonDepth(value: unknown, depthMax: number = JSON_DEPTH_MAX): boolean {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > depthMax) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) if (child !== null && typeof child === 'object') stack.push({ node: child, depth: depth + 1 });
  }
  return false;
}
