/** One hold command as the batch function takes it (amounts as decimal strings: JSON has no bigint). */
export type HoldCommand =
  | { op: 'create'; holdId: string; workspaceId: string; amount: string; minAmount: string | null; timeoutMs: number; metadata: Record<string, unknown> }
  | { op: 'capture'; holdId: string; amount: string; metadata: Record<string, unknown> }
  | { op: 'release'; holdId: string; reason: string };

/** The batch function's answer for one command: its result object, or the SQL error it raised. */
export type HoldCommandOutcome =
  | { ok: true; result: Record<string, string> }
  | { ok: false; error: { code: string; message: string; detail: string | null } };
