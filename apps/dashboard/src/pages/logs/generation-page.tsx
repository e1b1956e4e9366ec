import { Title } from '@mantine/core';

export function GenerationPage() {
  return <Title order={2}>Generation</Title>;
}
