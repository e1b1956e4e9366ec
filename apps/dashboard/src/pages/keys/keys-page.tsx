import { Alert, Badge, Button, Card, Code, CopyButton, Group, Modal, Select, SimpleGrid, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { ApiErrorAlert, notifyError, notifySuccess } from '../../components/api-error-alert';
import { api, ApiError } from '../../lib/api';
import { formatDate, formatDateTime } from '../../lib/chain';
import { RESET_OPTIONS, usdField } from '../../lib/forms';
import { formatUsd } from '../../lib/money';
import { useApi } from '../../lib/use-api';

export interface ApiKey {
  id: string;
  name: string;
  kind: 'inference' | 'management';
  prefix: string;
  disabled: boolean;
  credit_limit_micros: string | null;
  credit_limit_reset: 'daily' | 'weekly' | 'monthly' | 'never' | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const PERIOD = { daily: 'day', weekly: 'week', monthly: 'month' } as const;

function keyStatus(key: ApiKey): { label: string; color: string } {
  if (key.revoked_at) return { label: 'Revoked', color: 'gray' };
  if (key.disabled) return { label: 'Disabled', color: 'orange' };
  if (key.expires_at && new Date(key.expires_at).getTime() <= Date.now()) return { label: 'Expired', color: 'gray' };
  return { label: 'Active', color: 'green' };
}

export function KeysPage() {
  const keys = useApi<{ data: ApiKey[] }>('/api/v1/keys');
  const [created, setCreated] = useState<{ key: string; data: ApiKey }>();
  const [revoking, setRevoking] = useState<ApiKey>();
  const [revokeBusy, setRevokeBusy] = useState(false);
  const list = [...(keys.data?.data ?? [])].sort((a, b) => Number(!!a.revoked_at) - Number(!!b.revoked_at) || b.created_at.localeCompare(a.created_at));

  const revoke = async () => {
    if (!revoking) return;
    setRevokeBusy(true);
    try {
      await api(`/api/v1/keys/${revoking.id}`, { method: 'DELETE' });
      notifySuccess('Key revoked', `${revoking.name} stops working within a second.`);
      setRevoking(undefined);
      await keys.reload({ quiet: true });
    } catch (error) {
      notifyError('Could not revoke the key', error);
    } finally {
      setRevokeBusy(false);
    }
  };

  return (
    <Stack gap="lg">
      <Title order={2}>API keys</Title>
      <CreateKeyCard
        onCreated={(answer) => {
          setCreated(answer);
          void keys.reload({ quiet: true });
        }}
      />
      {created && (
        <Alert color="green" variant="light" title={`Key “${created.data.name}” created`} withCloseButton closeButtonLabel="Hide the new key" onClose={() => setCreated(undefined)} role="status">
          <Stack gap="xs">
            <Text size="sm">Copy it now: this is the only time the full key is shown. Store it like a password.</Text>
            <Group gap="xs" wrap="nowrap" align="center">
              <Code data-testid="new-api-key" style={{ wordBreak: 'break-all', whiteSpace: 'normal', fontSize: 14 }}>{created.key}</Code>
              <CopyButton value={created.key}>
                {({ copied, copy }) => (
                  <Button size="xs" variant={copied ? 'filled' : 'light'} color={copied ? 'teal' : undefined} onClick={copy} aria-label="Copy the new API key">
                    {copied ? 'Copied' : 'Copy'}
                  </Button>
                )}
              </CopyButton>
            </Group>
            <Text size="xs" c="dimmed">Use it as <Code>Authorization: Bearer …</Code> with any OpenAI, Anthropic or Gemini SDK pointed at this gateway.</Text>
          </Stack>
        </Alert>
      )}
      <Card withBorder padding="lg">
        <Title order={3} size="h4" mb="sm">Your keys</Title>
        <ApiErrorAlert error={keys.error} title="Could not load your keys" />
        {keys.data && list.length === 0 && <Text c="dimmed" size="sm">No keys yet. Create one above to call models from your apps.</Text>}
        {list.length > 0 && (
          <Table.ScrollContainer minWidth={820}>
            <Table striped highlightOnHover aria-label="API keys" data-testid="keys-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Key</Table.Th>
                  <Table.Th>Credit limit</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Expires</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th><VisuallyHidden>Actions</VisuallyHidden></Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((key) => {
                  const status = keyStatus(key);
                  return (
                    <Table.Tr key={key.id}>
                      <Table.Td>
                        <Text size="sm" fw={500}>{key.name}</Text>
                        {key.kind === 'management' && <Badge size="xs" variant="outline">management</Badge>}
                      </Table.Td>
                      <Table.Td><Code>{key.prefix}…</Code></Table.Td>
                      <Table.Td>
                        {key.credit_limit_micros ? `${formatUsd(key.credit_limit_micros)}${key.credit_limit_reset && key.credit_limit_reset !== 'never' ? ` per ${PERIOD[key.credit_limit_reset]}` : ''}` : <Text span c="dimmed" size="sm">No limit</Text>}
                      </Table.Td>
                      <Table.Td>{formatDateTime(key.created_at)}</Table.Td>
                      <Table.Td>{key.expires_at ? formatDate(key.expires_at) : <Text span c="dimmed" size="sm">Never</Text>}</Table.Td>
                      <Table.Td><Badge color={status.color} variant="light">{status.label}</Badge></Table.Td>
                      <Table.Td>
                        {!key.revoked_at && (
                          <Button size="xs" variant="subtle" color="red" onClick={() => setRevoking(key)} aria-label={`Revoke key ${key.name}`}>
                            Revoke
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <Modal opened={!!revoking} onClose={() => setRevoking(undefined)} title="Revoke this key?" centered>
        <Stack>
          <Text size="sm">
            Apps using <b>{revoking?.name}</b> (<Code>{revoking?.prefix}…</Code>) get 401 on every request from now on. This cannot be undone.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRevoking(undefined)}>Cancel</Button>
            <Button color="red" onClick={revoke} loading={revokeBusy}>Revoke key</Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function CreateKeyCard({ onCreated }: { onCreated(answer: { key: string; data: ApiKey }): void }) {
  const [name, setName] = useState('');
  const [limit, setLimit] = useState('');
  const [reset, setReset] = useState<string | null>('never');
  const [expires, setExpires] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const limitField = usdField(limit);
  const today = new Date().toISOString().slice(0, 10);
  const expiresError = expires && expires <= today ? 'Pick a future date' : undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setFieldErrors({ name: 'Give the key a name, e.g. the app that uses it' });
      return;
    }
    if (limitField.error || expiresError) return;
    setBusy(true);
    setError(undefined);
    setFieldErrors({});
    try {
      const body: Record<string, unknown> = { name: name.trim() };
      if (limitField.micros !== undefined) {
        body.credit_limit_micros = limitField.micros.toString();
        body.credit_limit_reset = reset ?? 'never';
      }
      // The key stops working at the start of the chosen day (local time).
      if (expires) body.expires_at = new Date(`${expires}T00:00:00`).toISOString();
      const answer = await api<{ key: string; data: ApiKey }>('/api/v1/keys', { method: 'POST', body });
      onCreated(answer);
      setName('');
      setLimit('');
      setReset('never');
      setExpires('');
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 400 && caught.param) setFieldErrors({ [caught.param]: caught.message });
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card withBorder padding="lg">
      <Title order={3} size="h4" mb="sm">Create a key</Title>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
            <TextInput label="Name" placeholder="my-app" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={fieldErrors.name} maxLength={200} />
            <TextInput
              label="Credit limit (USD)"
              description="Optional; empty = no limit"
              placeholder="25.00"
              inputMode="decimal"
              value={limit}
              onChange={(e) => setLimit(e.currentTarget.value)}
              error={limitField.error ?? fieldErrors.credit_limit_micros}
            />
            <Select
              label="Limit resets"
              description="When the spent amount starts again at $0"
              data={RESET_OPTIONS}
              value={reset}
              onChange={setReset}
              disabled={limitField.micros === undefined}
              allowDeselect={false}
              error={fieldErrors.credit_limit_reset}
            />
            <TextInput label="Expires on" description="Optional; empty = never" type="date" min={today} value={expires} onChange={(e) => setExpires(e.currentTarget.value)} error={expiresError ?? fieldErrors.expires_at} />
          </SimpleGrid>
          <ApiErrorAlert error={error} title="Could not create the key" />
          <Group>
            <Button type="submit" loading={busy}>Create key</Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
