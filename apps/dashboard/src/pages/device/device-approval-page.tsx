import { Alert, Button, Code, Group, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useSession } from '../../auth/session-context';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { api } from '../../lib/api';

interface Decision {
  user_code: string;
  status: 'approved' | 'denied';
  workspace_id: string | null;
}

/** Same rule as the gateway: eight consonants, case and separators do not matter. */
function normalize(input: string): string | null {
  const letters = input.toUpperCase().replace(/[^A-Z]/g, '');
  return /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/.test(letters) ? `${letters.slice(0, 4)}-${letters.slice(4)}` : null;
}

/** The CLI's `switchyard login` (OAuth device flow) opens this page with ?user_code=…; a signed-in member approves it. */
export function DeviceApprovalPage() {
  const [params] = useSearchParams();
  const { me } = useSession();
  const [typed, setTyped] = useState(params.get('user_code') ?? '');
  const [busy, setBusy] = useState<'approve' | 'deny' | null>(null);
  const [error, setError] = useState<unknown>();
  const [decision, setDecision] = useState<Decision>();
  const code = normalize(typed);

  async function decide(action: 'approve' | 'deny') {
    if (!code) return;
    setBusy(action);
    setError(undefined);
    try {
      setDecision(await api<Decision>('/api/v1/auth/device/approve', { method: 'POST', body: { user_code: code, action } }));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void decide('approve');
  };

  return (
    <Stack maw={560}>
      <Title order={2}>Approve a device</Title>
      <Text c="dimmed">
        A command-line login (<Code>switchyard login</Code>) is waiting for this code. Approve it only if you started that login
        yourself and the code matches the one in your terminal.
      </Text>
      {decision ? (
        <Alert color={decision.status === 'approved' ? 'green' : 'gray'} title={decision.status === 'approved' ? 'Device approved' : 'Device login denied'} role="status">
          {decision.status === 'approved'
            ? <>Code <Code>{decision.user_code}</Code> is approved for workspace {me?.workspace.name ?? decision.workspace_id}. Go back to your terminal: it is signed in within a few seconds.</>
            : <>Code <Code>{decision.user_code}</Code> was denied; the terminal reports the refusal.</>}
        </Alert>
      ) : (
        <Paper withBorder p="lg">
          <form onSubmit={onSubmit}>
            <Stack>
              <TextInput
                label="Code shown in your terminal"
                placeholder="BCDF-GHJK"
                value={typed}
                onChange={(event) => setTyped(event.currentTarget.value)}
                error={typed && !code ? 'Eight letters, like BCDF-GHJK' : undefined}
                styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 24, letterSpacing: 4, height: 52 } }}
                autoComplete="off"
                spellCheck={false}
              />
              <Text size="sm">
                Signing in as <Code>{me?.address}</Code> in workspace <b>{me?.workspace.name ?? me?.workspace.id}</b>.
              </Text>
              <ApiErrorAlert error={error} title="Could not record your decision" />
              <Group>
                <Button type="submit" loading={busy === 'approve'} disabled={!code || busy !== null}>Approve</Button>
                <Button variant="default" color="red" onClick={() => decide('deny')} loading={busy === 'deny'} disabled={!code || busy !== null}>Deny</Button>
              </Group>
            </Stack>
          </form>
        </Paper>
      )}
    </Stack>
  );
}
