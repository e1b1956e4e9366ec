import { Alert, Anchor, Badge, Button, Group, Loader, Paper, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../../lib/api';
import { formatCost } from '../../lib/money';

/** One `GET /api/v1/logs` row. */
export interface LogEntry {
  id: string;
  created_at: string;
  started_at: string;
  requested_model: string;
  model: string | null;
  provider: string | null;
  strategy: string | null;
  auto_tier: string | null;
  surface: string;
  streamed: boolean;
  outcome: 'succeeded' | 'failed' | 'client_aborted';
  error_code: string | null;
  tokens_prompt: number;
  tokens_completion: number;
  cost_micros: string;
  latency_ms: number;
  ttft_ms: number | null;
  attempts: number;
  fallbacks: number;
  api_key_id: string | null;
}

interface KeySummary {
  id: string;
  name: string;
}

const PAGE_SIZE = 25;
const NO_KEY = 'none';

export const OUTCOME_COLORS: Record<string, string> = { succeeded: 'green', failed: 'red', client_aborted: 'gray' };

/** The workspace's request log, newest first, with filters in the URL (so a reload or link keeps them). */
export function LogsPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const [entries, setEntries] = useState<LogEntry[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [cursors, setCursors] = useState<string[]>([]); // the cursors of the pages before this one
  const [error, setError] = useState<ApiError | null>(null);
  const [keys, setKeys] = useState<KeySummary[]>([]);
  const [modelDraft, setModelDraft] = useState(params.get('model') ?? '');

  const filters = { model: params.get('model') ?? '', outcome: params.get('outcome') ?? '', key: params.get('key') ?? '', from: params.get('from') ?? '', to: params.get('to') ?? '' };
  const cursor = params.get('cursor') ?? '';

  useEffect(() => {
    api<{ data: KeySummary[] }>('/api/v1/keys')
      .then((r) => setKeys(r.data))
      .catch(() => setKeys([]));
  }, []);

  const load = useCallback(async () => {
    setEntries(null);
    setError(null);
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (filters.model) query.set('model', filters.model);
    if (filters.outcome) query.set('outcome', filters.outcome);
    if (filters.key && filters.key !== NO_KEY) query.set('key', filters.key);
    if (filters.from) query.set('from', new Date(`${filters.from}T00:00:00`).toISOString());
    if (filters.to) query.set('to', new Date(`${filters.to}T23:59:59.999`).toISOString());
    if (cursor) query.set('cursor', cursor);
    try {
      const page = await api<{ data: LogEntry[]; next_cursor: string | null }>(`/api/v1/logs?${query}`);
      // Requests made without a key (the dashboard chat) are filtered here: the API filters by key id only.
      setEntries(filters.key === NO_KEY ? page.data.filter((e) => e.api_key_id === null) : page.data);
      setNextCursor(page.next_cursor);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'network_error', String(e)));
      setEntries([]);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params]);
  useEffect(() => void load(), [load]);

  const setFilter = (name: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    next.delete('cursor');
    setCursors([]);
    setParams(next);
  };

  const page = (direction: 'older' | 'newer') => {
    const next = new URLSearchParams(params);
    if (direction === 'older' && nextCursor) {
      setCursors((c) => [...c, cursor]);
      next.set('cursor', nextCursor);
    } else {
      const previous = cursors[cursors.length - 1] ?? '';
      setCursors((c) => c.slice(0, -1));
      if (previous) next.set('cursor', previous);
      else next.delete('cursor');
    }
    setParams(next);
  };

  const keyName = (id: string | null) => (id === null ? 'dashboard chat' : (keys.find((k) => k.id === id)?.name ?? `${id.slice(0, 8)}…`));
  const filtered = Object.values(filters).some(Boolean);

  return (
    <Stack gap="md">
      <Title order={2}>Logs</Title>
      <Paper withBorder p="sm">
        <Group gap="sm" align="end" wrap="wrap">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setFilter('model', modelDraft.trim() || null);
            }}
          >
            <TextInput label="Model" placeholder="requested or served, e.g. auto" value={modelDraft} onChange={(e) => setModelDraft(e.currentTarget.value)} onBlur={() => modelDraft.trim() !== filters.model && setFilter('model', modelDraft.trim() || null)} w={{ base: '100%', xs: 220 }} />
          </form>
          <Select
            label="Status"
            placeholder="Any"
            clearable
            data={[
              { value: 'succeeded', label: 'Succeeded' },
              { value: 'failed', label: 'Failed' },
              { value: 'client_aborted', label: 'Cancelled' },
            ]}
            value={filters.outcome || null}
            onChange={(v) => setFilter('outcome', v)}
            w={{ base: '100%', xs: 150 }}
          />
          <Select label="Key" placeholder="Any" clearable data={[{ value: NO_KEY, label: 'Dashboard chat (no key)' }, ...keys.map((k) => ({ value: k.id, label: k.name }))]} value={filters.key || null} onChange={(v) => setFilter('key', v)} w={{ base: '100%', xs: 200 }} />
          <TextInput label="From" type="date" value={filters.from} onChange={(e) => setFilter('from', e.currentTarget.value || null)} w={{ base: '100%', xs: 160 }} />
          <TextInput label="To" type="date" value={filters.to} onChange={(e) => setFilter('to', e.currentTarget.value || null)} w={{ base: '100%', xs: 160 }} />
          {filtered && (
            <Button
              variant="subtle"
              onClick={() => {
                setModelDraft('');
                setCursors([]);
                setParams({});
              }}
            >
              Clear filters
            </Button>
          )}
        </Group>
      </Paper>
      {error && (
        <Alert color="red" title="Could not load the logs">
          {error.message}
        </Alert>
      )}
      {entries === null && <Loader aria-label="Loading logs" />}
      {entries?.length === 0 && !error && (
        <Paper withBorder p="lg" ta="center">
          {filtered || cursor ? (
            <Text>No requests match these filters — clear them or widen the dates.</Text>
          ) : (
            <Text>
              No requests yet — send one from <Anchor component={Link} to="/chat">Chat</Anchor> or with your API key (see <Anchor component={Link} to="/keys">API keys</Anchor>).
            </Text>
          )}
        </Paper>
      )}
      {entries && entries.length > 0 && (
        <Table.ScrollContainer minWidth={980}>
          <Table highlightOnHover verticalSpacing="xs" fz="sm" aria-label="Requests">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Time</Table.Th>
                <Table.Th>Requested → served</Table.Th>
                <Table.Th>Strategy</Table.Th>
                <Table.Th ta="right">Latency</Table.Th>
                <Table.Th ta="right">TTFT</Table.Th>
                <Table.Th ta="right">Tokens in / out</Table.Th>
                <Table.Th ta="right">Cost</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th ta="right">Fallbacks</Table.Th>
                <Table.Th>Key</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.map((e) => (
                <Table.Tr key={e.id} onClick={() => navigate(`/logs/${e.id}`)} style={{ cursor: 'pointer' }} data-testid="log-row" data-request-id={e.id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/logs/${e.id}`} size="sm" onClick={(event) => event.stopPropagation()} aria-label={`Open request ${e.id}`}>
                      {new Date(e.started_at).toLocaleString()}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {e.requested_model}
                      {e.model && e.model !== e.requested_model ? ` → ${e.model}` : ''}
                    </Text>
                    {e.provider && (
                      <Text size="xs" c="dimmed">
                        {e.provider}
                        {e.auto_tier ? ` · tier ${e.auto_tier}` : ''}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{e.strategy ?? '—'}</Table.Td>
                  <Table.Td ta="right">{formatMs(e.latency_ms)}</Table.Td>
                  <Table.Td ta="right">{e.ttft_ms === null ? '—' : formatMs(e.ttft_ms)}</Table.Td>
                  <Table.Td ta="right">
                    {e.tokens_prompt} / {e.tokens_completion}
                  </Table.Td>
                  <Table.Td ta="right" data-testid="log-cost">
                    {formatCost(e.cost_micros)}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={OUTCOME_COLORS[e.outcome] ?? 'gray'} variant="light">
                      {e.outcome === 'client_aborted' ? 'cancelled' : e.outcome}
                    </Badge>
                    {e.error_code && (
                      <Text size="xs" c="dimmed">
                        {e.error_code}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">{e.fallbacks}</Table.Td>
                  <Table.Td>
                    <Text size="xs">{keyName(e.api_key_id)}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {(cursor || nextCursor) && (
        <Group justify="space-between">
          <Button variant="default" onClick={() => page('newer')} disabled={!cursor}>
            Newer
          </Button>
          <Button variant="default" onClick={() => page('older')} disabled={!nextCursor}>
            Older
          </Button>
        </Group>
      )}
    </Stack>
  );
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}
