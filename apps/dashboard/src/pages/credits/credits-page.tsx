import { Title } from '@mantine/core';

export function CreditsPage() {
  return <Title order={2}>Credits</Title>;
}
