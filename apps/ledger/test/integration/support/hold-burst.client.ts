/**
 * A separate client process for the concurrency test: waits until `startAtMs`, then sends `count` holds at
 * once and prints one JSON line with what the ledger answered.
 * argv: subjectPrefix workspaceId count amountMicros tag startAtMs
 */
import { LedgerHoldCreate } from '@switchyard/contracts';
import { TestCommandClient } from '@switchyard/testing';

async function main(): Promise<void> {
  const [prefix, workspaceId, count, amountMicros, tag, startAtMs] = process.argv.slice(2) as [string, string, string, string, string, string];
  const client = await TestCommandClient.connect(prefix);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAtMs) - Date.now())));
  const results = await Promise.allSettled(
    Array.from({ length: Number(count) }, (_, i) =>
      client.request(LedgerHoldCreate, { holdId: `${tag}-${i}`, workspaceId, amountMicros, timeoutMs: 60_000, metadata: {} }, 15_000),
    ),
  );
  const codes: Record<string, number> = {};
  const accepted: string[] = [];
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') accepted.push(`${tag}-${i}`);
    else {
      const code = (result.reason as { code?: string }).code ?? String(result.reason);
      codes[code] = (codes[code] ?? 0) + 1;
    }
  });
  process.stdout.write(`${JSON.stringify({ accepted, refused: codes })}\n`);
  await client.close();
}

void main();
