export type ApiKeyKind = 'inference' | 'management';

/** What authentication needs to know about a key; cached in process and in Redis by key hash. */
export interface ApiKeyRecord {
  id: string;
  workspaceId: string;
  keyHash: string;
  /** Absent in records cached before kinds existed: inference. */
  kind?: ApiKeyKind;
  disabled?: boolean;
  expiresAt: string | null;
  revokedAt: string | null;
}

export function isApiKeyUsable(record: ApiKeyRecord, now: Date): boolean {
  if (record.revokedAt !== null || record.disabled === true) return false;
  return record.expiresAt === null || Date.parse(record.expiresAt) > now.getTime();
}
