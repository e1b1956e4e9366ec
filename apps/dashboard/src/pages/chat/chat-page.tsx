import { Title } from '@mantine/core';

export function ChatPage() {
  return <Title order={2}>Chat</Title>;
}
