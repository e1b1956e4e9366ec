import { Title } from '@mantine/core';

export function LedgerPage() {
  return <Title order={2}>Ledger</Title>;
}
