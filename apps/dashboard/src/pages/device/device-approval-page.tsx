import { Title } from '@mantine/core';

export function DeviceApprovalPage() {
  return <Title order={2}>Approve a device</Title>;
}
