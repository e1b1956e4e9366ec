import { AppShell, Burger, Button, Group, NavLink, Stack, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { Link, NavLink as RouterLink, useNavigate } from 'react-router-dom';
import { useSession } from '../auth/session-context';

const NAVIGATION = [
  { to: '/chat', label: 'Chat' },
  { to: '/credits', label: 'Credits' },
  { to: '/keys', label: 'API keys' },
  { to: '/logs', label: 'Logs' },
  { to: '/usage', label: 'Usage' },
  { to: '/guardrails', label: 'Guardrails' },
  { to: '/operator/ledger', label: 'Ledger (operator)' },
];

export function AppLayout({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const { me, signOut } = useSession();
  const navigate = useNavigate();
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={4}>Switchyard</Title>
          </Group>
          {!me && (
            <Button size="xs" variant="light" component={Link} to="/sign-in">
              Sign in
            </Button>
          )}
          {me && (
            <Group gap="xs">
              <Text size="sm" c="dimmed" visibleFrom="xs" title={me.address}>
                {workspaceLabel(me.workspace.name, me.address)}
              </Text>
              <Button size="xs" variant="default" onClick={async () => { await signOut(); navigate('/sign-in'); }}>
                Sign out
              </Button>
            </Group>
          )}
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        <Stack gap={2}>
          {NAVIGATION.map((item) => (
            <NavLink key={item.to} component={RouterLink} to={item.to} label={item.label} onClick={close} />
          ))}
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}

/** "team · 0x1234…abcd", or just the short address when the workspace is named after the wallet. */
function workspaceLabel(name: string | null, address: string): string {
  const short = `${address.slice(0, 6)}…${address.slice(-4)}`;
  return name && name !== short && name.toLowerCase() !== address.toLowerCase() ? `${name} · ${short}` : short;
}
