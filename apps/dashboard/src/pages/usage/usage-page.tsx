import { AreaChart, BarChart } from '@mantine/charts';
import { Alert, Anchor, Loader, Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, Title, Group } from '@mantine/core';
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, ApiError } from '../../lib/api';
import { formatCost, formatUsd } from '../../lib/money';

interface Totals {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  web_search_requests: number;
  cost_micros: string;
}

interface UsageReport {
  days: number;
  since: string;
  totals: Totals;
  by_model: Array<Totals & { model: string | null; provider: string | null }>;
  by_key: Array<Totals & { api_key_id: string | null }>;
  by_day: Array<Totals & { date: string }>;
  /** Per day by model / key: the window's top groups, the rest as one `other` row per day. */
  by_day_model: Array<Totals & { date: string; model: string | null; other: boolean }>;
  by_day_key: Array<Totals & { date: string; api_key_id: string | null; other: boolean }>;
  truncated: boolean;
}

interface KeySummary {
  id: string;
  name: string;
}

// Chart coordinates are dollars (plotting only); every label and tooltip is formatted from exact micro-USD.
const MICROS_PER_USD = 1_000_000;
const plotDollars = (micros: string) => Number(micros) / MICROS_PER_USD;
const dollarsLabel = (dollars: number) => formatCost(BigInt(Math.round(dollars * MICROS_PER_USD)));

type Metric = 'spend' | 'requests' | 'tokens';
const SERIES_COLORS = ['indigo.6', 'teal.6', 'orange.6', 'grape.6', 'cyan.6', 'pink.6', 'lime.6', 'yellow.6', 'red.6', 'blue.6'];
const OTHER_COLOR = 'gray.5';

interface DayGroupRow extends Totals {
  date: string;
  other: boolean;
}

/**
 * A stacked per-day chart's rows and series: one series per group (synthetic keys `s0`, `s1`, … so a model name
 * with dots never reads as a path), `other` last, every day of the period present (zero where nothing ran).
 */
function stackedPerDay<R extends DayGroupRow>(report: UsageReport, rows: R[], groupOf: (row: R) => string, metric: Metric) {
  const names: string[] = [];
  let hasOther = false;
  for (const row of rows) {
    if (row.other) hasOther = true;
    else if (!names.includes(groupOf(row))) names.push(groupOf(row));
  }
  const keyOf = (row: R) => (row.other ? 'other' : `s${names.indexOf(groupOf(row))}`);
  const value = (row: R) => (metric === 'spend' ? plotDollars(row.cost_micros) : metric === 'requests' ? row.requests : row.prompt_tokens + row.completion_tokens);
  const byDate = new Map<string, Record<string, number>>();
  for (const row of rows) {
    const day = row.date.slice(0, 10);
    const values = byDate.get(day) ?? {};
    values[keyOf(row)] = (values[keyOf(row)] ?? 0) + value(row);
    byDate.set(day, values);
  }
  const series = names.map((name, i) => ({ name: `s${i}`, label: name, color: SERIES_COLORS[i % SERIES_COLORS.length] }));
  if (hasOther) series.push({ name: 'other', label: 'Other', color: OTHER_COLOR });
  const data = periodDays(report).map((day) => {
    const values = byDate.get(day) ?? {};
    return { date: day.slice(5), ...Object.fromEntries(series.map((s) => [s.name, values[s.name] ?? 0])) };
  });
  return { data, series };
}

export function UsagePage() {
  const [days, setDays] = useState('30');
  const [metric, setMetric] = useState<Metric>('spend');
  const [report, setReport] = useState<UsageReport | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [keys, setKeys] = useState<KeySummary[]>([]);

  useEffect(() => {
    setReport(null);
    setError(null);
    api<{ data: UsageReport }>(`/api/v1/usage?days=${days}`)
      .then((r) => setReport(r.data))
      .catch((e: unknown) => setError(e instanceof ApiError ? e : new ApiError(0, 'network_error', String(e))));
  }, [days]);
  useEffect(() => {
    api<{ data: KeySummary[] }>('/api/v1/keys')
      .then((r) => setKeys(r.data))
      .catch(() => setKeys([]));
  }, []);

  const perDay = useMemo(() => (report ? fillDays(report) : []), [report]);
  const byModel = useMemo(() => (report?.by_model ?? []).map((r) => ({ model: r.model ?? 'not served', spend: plotDollars(r.cost_micros), requests: r.requests, tokens: r.total_tokens, cost_micros: r.cost_micros })), [report]);
  const keyName = (id: string | null) => (id === null ? 'Dashboard chat' : (keys.find((k) => k.id === id)?.name ?? `${id.slice(0, 8)}…`));
  const metricFormatter = metric === 'spend' ? dollarsLabel : (v: number) => v.toLocaleString();
  const dayModel = useMemo(() => (report ? stackedPerDay(report, report.by_day_model, (r) => r.model ?? 'not served', metric) : null), [report, metric]);
  const byKey = (report?.by_key ?? []).map((r) => ({ key: keyName(r.api_key_id), spend: plotDollars(r.cost_micros), requests: r.requests, tokens: r.total_tokens, cost_micros: r.cost_micros }));
  const dayKey = report ? stackedPerDay(report, report.by_day_key, (r) => keyName(r.api_key_id), metric) : null;

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="wrap">
        <Title order={2}>Usage</Title>
        <SegmentedControl
          aria-label="Period"
          value={days}
          onChange={setDays}
          data={[
            { value: '1', label: 'Today' },
            { value: '7', label: '7 days' },
            { value: '30', label: '30 days' },
            { value: '90', label: '90 days' },
          ]}
        />
      </Group>
      {error && (
        <Alert color="red" title="Could not load usage">
          {error.message}
        </Alert>
      )}
      {!report && !error && <Loader aria-label="Loading usage" />}
      {report && (
        <>
          <SimpleGrid cols={{ base: 2, sm: 4 }}>
            <Stat label="Spend">
              <span data-testid="usage-spend">{formatCost(report.totals.cost_micros)}</span>
            </Stat>
            <Stat label="Requests">{report.totals.requests.toLocaleString()}</Stat>
            <Stat label="Tokens">{report.totals.total_tokens.toLocaleString()}</Stat>
            <Stat label="Web searches">{report.totals.web_search_requests.toLocaleString()}</Stat>
          </SimpleGrid>
          {report.totals.requests === 0 ? (
            <Paper withBorder p="lg" ta="center">
              <Text>
                No requests in this period — send one from <Anchor component={Link} to="/chat">Chat</Anchor> or with your API key, then come back for charts.
              </Text>
            </Paper>
          ) : (
            <>
              <ChartCard title="Spend per day" testId="chart-spend">
                <AreaChart h={220} data={perDay} dataKey="date" series={[{ name: 'spend', label: 'Spend', color: 'indigo.6' }]} valueFormatter={dollarsLabel} curveType="monotone" withDots={perDay.length <= 31} yAxisProps={{ width: 80 }} />
              </ChartCard>
              <SimpleGrid cols={{ base: 1, md: 2 }}>
                <ChartCard title="Requests per day" testId="chart-requests">
                  <BarChart h={200} data={perDay} dataKey="date" series={[{ name: 'requests', label: 'Requests', color: 'teal.6' }]} valueFormatter={(v) => v.toLocaleString()} />
                </ChartCard>
                <ChartCard title="Tokens per day" testId="chart-tokens">
                  <BarChart
                    h={200}
                    data={perDay}
                    dataKey="date"
                    type="stacked"
                    withLegend
                    series={[
                      { name: 'prompt_tokens', label: 'Prompt', color: 'blue.6' },
                      { name: 'completion_tokens', label: 'Completion', color: 'grape.6' },
                    ]}
                    valueFormatter={(v) => v.toLocaleString()}
                  />
                </ChartCard>
              </SimpleGrid>
              <SimpleGrid cols={{ base: 1, md: 2 }}>
                <ChartCard title="Spend by model" testId="chart-models">
                  <BarChart h={Math.max(160, byModel.length * 36)} data={byModel} dataKey="model" orientation="vertical" series={[{ name: 'spend', label: 'Spend', color: 'indigo.6' }]} valueFormatter={dollarsLabel} yAxisProps={{ width: 140 }} />
                  <Breakdown rows={byModel.map((r) => ({ name: r.model, requests: r.requests, tokens: r.tokens, cost_micros: r.cost_micros }))} label="Model" />
                </ChartCard>
                <ChartCard title="Spend by key" testId="chart-keys">
                  <BarChart h={Math.max(160, byKey.length * 36)} data={byKey} dataKey="key" orientation="vertical" series={[{ name: 'spend', label: 'Spend', color: 'orange.6' }]} valueFormatter={dollarsLabel} yAxisProps={{ width: 140 }} />
                  <Breakdown rows={byKey.map((r) => ({ name: r.key, requests: r.requests, tokens: r.tokens, cost_micros: r.cost_micros }))} label="Key" />
                </ChartCard>
              </SimpleGrid>
              <Group justify="space-between" wrap="wrap">
                <Text fw={500}>Per day by model and by key</Text>
                <SegmentedControl
                  aria-label="Per-day metric"
                  size="xs"
                  value={metric}
                  onChange={(value) => setMetric(value as Metric)}
                  data={[
                    { value: 'spend', label: 'Spend' },
                    { value: 'requests', label: 'Requests' },
                    { value: 'tokens', label: 'Tokens' },
                  ]}
                />
              </Group>
              <SimpleGrid cols={{ base: 1, md: 2 }}>
                <ChartCard title="Per day by model" testId="chart-day-models">
                  {dayModel && <BarChart h={240} data={dayModel.data} dataKey="date" type="stacked" withLegend series={dayModel.series} valueFormatter={metricFormatter} yAxisProps={{ width: 80 }} />}
                </ChartCard>
                <ChartCard title="Per day by key" testId="chart-day-keys">
                  {dayKey && <BarChart h={240} data={dayKey.data} dataKey="date" type="stacked" withLegend series={dayKey.series} valueFormatter={metricFormatter} yAxisProps={{ width: 80 }} />}
                </ChartCard>
              </SimpleGrid>
              {report.truncated && (
                <Text size="xs" c="dimmed">
                  Breakdowns show the top rows only.
                </Text>
              )}
            </>
          )}
          <Text size="xs" c="dimmed">
            Since {new Date(report.since).toLocaleDateString()} (UTC days). Total {formatUsd(report.totals.cost_micros, 6)}.
          </Text>
        </>
      )}
    </Stack>
  );
}

/** Every UTC day of the period, zero where nothing ran (the API lists only days with requests). */
function fillDays(report: UsageReport) {
  const byDate = new Map(report.by_day.map((d) => [d.date.slice(0, 10), d]));
  const rows = [];
  for (const day of periodDays(report)) {
    const d = byDate.get(day);
    rows.push({ date: day.slice(5), spend: d ? plotDollars(d.cost_micros) : 0, requests: d?.requests ?? 0, prompt_tokens: d?.prompt_tokens ?? 0, completion_tokens: d?.completion_tokens ?? 0 });
  }
  return rows;
}

/** The period's UTC days, oldest first, as `YYYY-MM-DD`. */
function periodDays(report: UsageReport): string[] {
  const start = new Date(report.since);
  return Array.from({ length: report.days }, (_, i) => new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + i)).toISOString().slice(0, 10));
}

function Stat({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600} size="lg">
        {children}
      </Text>
    </Paper>
  );
}

function ChartCard({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  return (
    <Paper withBorder p="sm" data-testid={testId} aria-label={title} component="section">
      <Text fw={500} size="sm" mb="xs">
        {title}
      </Text>
      {children}
    </Paper>
  );
}

function Breakdown({ rows, label }: { rows: Array<{ name: string; requests: number; tokens: number; cost_micros: string }>; label: string }) {
  return (
    <Table fz="xs" mt="xs" aria-label={`Usage by ${label.toLowerCase()}`}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{label}</Table.Th>
          <Table.Th ta="right">Requests</Table.Th>
          <Table.Th ta="right">Tokens</Table.Th>
          <Table.Th ta="right">Spend</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((r) => (
          <Table.Tr key={r.name}>
            <Table.Td>{r.name}</Table.Td>
            <Table.Td ta="right">{r.requests.toLocaleString()}</Table.Td>
            <Table.Td ta="right">{r.tokens.toLocaleString()}</Table.Td>
            <Table.Td ta="right">{formatCost(r.cost_micros)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
