import { Title } from '@mantine/core';

export function KeysPage() {
  return <Title order={2}>API keys</Title>;
}
