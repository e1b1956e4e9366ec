import { Alert, Anchor, Badge, Code, Group, Loader, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { type ReactNode, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, ApiError } from '../../lib/api';
import { formatCost } from '../../lib/money';
import { formatMs, OUTCOME_COLORS } from './logs-page';

interface Attempt {
  provider_name: string | null;
  model: string | null;
  status: number | null;
  outcome: string;
  error_code: string | null;
  latency: number;
  ttft_ms: number | null;
}

interface Generation {
  id: string;
  created_at: string;
  completed_at: string;
  model: string;
  requested_model: string;
  provider_name: string | null;
  surface: string;
  strategy: string | null;
  auto_tier: string | null;
  streamed: boolean;
  outcome: string;
  error_code: string | null;
  tokens_prompt: number;
  tokens_completion: number;
  native_tokens_reasoning: number;
  native_tokens_cached: number;
  web_search_requests: number;
  cost_micros: string;
  settlement: unknown;
  latency_ms: number;
  ttft_ms: number | null;
  provider_responses: Attempt[];
  api_key_id: string | null;
  external_user: string | null;
  app_title: string | null;
}

/** One request (generation) with every attempt; billing writes it a moment after the answer, so a 404 is retried briefly. */
export function GenerationPage() {
  const { id = '' } = useParams();
  const [generation, setGeneration] = useState<Generation | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    let cancelled = false;
    setGeneration(null);
    setError(null);
    (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await api<{ data: Generation }>(`/api/v1/generation?id=${encodeURIComponent(id)}`);
          if (!cancelled) setGeneration(r.data);
          return;
        } catch (e) {
          const apiError = e instanceof ApiError ? e : new ApiError(0, 'network_error', String(e));
          if (apiError.status === 404 && attempt < 5) {
            await new Promise((r) => setTimeout(r, 600));
            if (cancelled) return;
            continue;
          }
          if (!cancelled) setError(apiError);
          return;
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [id]);

  return (
    <Stack gap="md">
      <Anchor component={Link} to="/logs" size="sm">
        ← Logs
      </Anchor>
      <Title order={2}>Generation</Title>
      <Code>{id}</Code>
      {error && (
        <Alert color="red" title={error.status === 404 ? 'Not found' : 'Could not load this request'}>
          {error.status === 404 ? 'No request with this id in your workspace (it may still be settling — reload in a moment).' : error.message}
        </Alert>
      )}
      {!generation && !error && <Loader aria-label="Loading generation" />}
      {generation && (
        <>
          <Paper withBorder p="md">
            <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="md" verticalSpacing="sm">
              <Field label="Status">
                <Badge color={OUTCOME_COLORS[generation.outcome] ?? 'gray'} variant="light">
                  {generation.outcome}
                </Badge>
                {generation.error_code && <Text size="xs">{generation.error_code}</Text>}
              </Field>
              <Field label="Requested model">{generation.requested_model}</Field>
              <Field label="Served model">
                <span data-testid="generation-model">{generation.model}</span>
                {generation.provider_name ? ` (${generation.provider_name})` : ''}
              </Field>
              <Field label="Strategy">{[generation.strategy, generation.auto_tier && `tier ${generation.auto_tier}`].filter(Boolean).join(' · ') || '—'}</Field>
              <Field label="Cost">
                <span data-testid="generation-cost">{formatCost(generation.cost_micros)}</span>
              </Field>
              <Field label="Latency">{formatMs(generation.latency_ms)}</Field>
              <Field label="Time to first token">{generation.ttft_ms === null ? '—' : formatMs(generation.ttft_ms)}</Field>
              <Field label="Tokens">
                {generation.tokens_prompt} in / {generation.tokens_completion} out
                {generation.native_tokens_cached ? ` · ${generation.native_tokens_cached} cached` : ''}
                {generation.native_tokens_reasoning ? ` · ${generation.native_tokens_reasoning} reasoning` : ''}
              </Field>
              <Field label="Started">{new Date(generation.created_at).toLocaleString()}</Field>
              <Field label="Surface">
                {generation.surface}
                {generation.streamed ? ' · streamed' : ''}
              </Field>
              <Field label="Caller">{generation.api_key_id ? `key ${generation.api_key_id.slice(0, 8)}…` : 'dashboard chat (no key)'}</Field>
              <Field label="Web searches">{generation.web_search_requests}</Field>
            </SimpleGrid>
          </Paper>
          <Title order={3} size="h4">
            Attempts
          </Title>
          <Table.ScrollContainer minWidth={640}>
            <Table fz="sm" aria-label="Attempts" withTableBorder>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>#</Table.Th>
                  <Table.Th>Provider</Table.Th>
                  <Table.Th>Model</Table.Th>
                  <Table.Th>Outcome</Table.Th>
                  <Table.Th>HTTP</Table.Th>
                  <Table.Th ta="right">Latency</Table.Th>
                  <Table.Th ta="right">TTFT</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {generation.provider_responses.map((a, i) => (
                  <Table.Tr key={i} data-testid="attempt-row">
                    <Table.Td>{i === 0 ? '1' : `${i + 1} (fallback)`}</Table.Td>
                    <Table.Td>{a.provider_name ?? '—'}</Table.Td>
                    <Table.Td>{a.model ?? '—'}</Table.Td>
                    <Table.Td>
                      {a.outcome}
                      {a.error_code ? ` · ${a.error_code}` : ''}
                    </Table.Td>
                    <Table.Td>{a.status ?? '—'}</Table.Td>
                    <Table.Td ta="right">{formatMs(a.latency)}</Table.Td>
                    <Table.Td ta="right">{a.ttft_ms === null ? '—' : formatMs(a.ttft_ms)}</Table.Td>
                  </Table.Tr>
                ))}
                {generation.provider_responses.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={7}>
                      <Text size="sm" c="dimmed">
                        No provider was called (refused before routing).
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}
    </Stack>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Group gap={4}>
        <Text size="sm" component="div">
          {children}
        </Text>
      </Group>
    </div>
  );
}
