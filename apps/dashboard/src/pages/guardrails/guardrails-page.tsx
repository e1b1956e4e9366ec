import { Title } from '@mantine/core';

export function GuardrailsPage() {
  return <Title order={2}>Guardrails</Title>;
}
