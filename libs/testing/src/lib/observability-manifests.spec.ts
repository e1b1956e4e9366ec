// The Grafana dashboard, the prometheus-adapter rule and the gateway HPA against the metrics the services
// register. Each service's metric classes are constructed on a fresh registry exactly as its AppModule wires them
// (plus Node's default metrics from createMetricsRegistry); nothing is scraped and no I/O happens (a unit spec).
// apps/gateway/test/integration/metrics.int-spec.ts scrapes the real /metrics of running processes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Registry } from 'prom-client';
import { createMetricsRegistry } from '@switchyard/observability';
import { JetStreamLagMetrics } from '@switchyard/nest-common';
import type { JetStreamClient } from '@switchyard/nats';
import { BillingMetrics } from '../../../../apps/billing/src/settlement/billing.metrics';
import { FollowerMetrics } from '../../../../apps/chain-watcher/src/follower/follower.metrics';
import { GatewayMetrics } from '../../../../apps/gateway/src/metering/gateway.metrics';
import { LedgerPostingsMetrics } from '../../../../apps/ledger/src/metrics/ledger-postings.metrics';
import { REPO_ROOT } from './service-process';

/* eslint-disable @typescript-eslint/no-explicit-any -- dashboard JSON and YAML are untyped, narrowed by the assertions. */

// Constructors only register metrics; the JetStream client and the HTTP adapter are used at scrape / init time.
const unused = undefined as never as JetStreamClient;
const registries: Record<string, Registry> = {
  gateway: createMetricsRegistry('gateway'),
  ledger: createMetricsRegistry('ledger'),
  billing: createMetricsRegistry('billing'),
  'chain-watcher': createMetricsRegistry('chain-watcher'),
  router: createMetricsRegistry('router'),
};
new GatewayMetrics(registries.gateway!, { holdMaxAgeMs: 900_000 }, undefined as never);
new LedgerPostingsMetrics(registries.ledger!);
new BillingMetrics(registries.billing!);
new JetStreamLagMetrics(unused, registries.billing!);
new FollowerMetrics(registries['chain-watcher']!);
new JetStreamLagMetrics(unused, registries['chain-watcher']!);
new JetStreamLagMetrics(unused, registries.router!);

const exported = new Map<string, string>(); // name → type
for (const registry of Object.values(registries)) for (const metric of registry.getMetricsAsArray()) exported.set(metric.name, (metric as any).type ?? '');

const OBSERVABILITY = join(REPO_ROOT, 'deploy', 'observability');
const dashboard = JSON.parse(readFileSync(join(OBSERVABILITY, 'grafana-dashboard.json'), 'utf8'));
const panels: any[] = dashboard.panels;

/** Metric names a PromQL expression selects: identifiers that are not functions, aggregations' label lists, matchers or ranges. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$__\w+/g, ' ');
  const names = [...stripped.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)].map((m) => m[1]!);
  return names.filter((n) => !['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'inf', 'nan'].includes(n.toLowerCase()));
}

/** `x_bucket`, `x_sum`, `x_count` of a histogram `x` are its series. */
function resolves(name: string): boolean {
  if (exported.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && ['histogram', 'summary'].includes(exported.get(base) ?? '');
}

describe('deploy/observability/grafana-dashboard.json', () => {
  it('parses as a dashboard with a Prometheus datasource variable and non-overlapping panels', () => {
    expect(dashboard.uid).toBeTruthy();
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    expect(panels.length).toBeGreaterThan(0);
    const cells = new Set<string>();
    for (const panel of panels) {
      for (let x = panel.gridPos.x; x < panel.gridPos.x + panel.gridPos.w; x++)
        for (let y = panel.gridPos.y; y < panel.gridPos.y + panel.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
  });

  it.each(panels.map((p) => [p.title, p] as const))('panel "%s" queries only metrics the services export', (_title, panel) => {
    expect(panel.targets.length).toBeGreaterThan(0);
    for (const target of panel.targets) {
      const names = metricNames(target.expr);
      expect(names.length).toBeGreaterThan(0);
      expect(names.filter((n) => !resolves(n))).toEqual([]);
    }
  });

  it('covers what issue 11 lists: request rate, latency and TTFT per provider, holds in flight, ledger postings/s, JetStream lag, chain follower lag, error codes', () => {
    const queried = new Set(panels.flatMap((p) => p.targets.flatMap((t: any) => metricNames(t.expr))));
    for (const name of [
      'gateway_requests_total',
      'gateway_request_duration_seconds_bucket',
      'gateway_ttft_seconds_bucket',
      'gateway_inflight_requests',
      'gateway_holds_in_flight',
      'ledger_postings_total',
      'jetstream_consumer_pending_messages',
      'chain_follower_lag_blocks',
    ])
      expect(queried).toContain(name);
    const byProvider = panels.filter((p) => p.targets.some((t: any) => /by \([^)]*provider/.test(t.expr))).map((p) => p.title);
    expect(byProvider.length).toBeGreaterThanOrEqual(3);
    expect(panels.some((p) => p.targets.some((t: any) => /error_code/.test(t.expr)))).toBe(true);
  });

  it('the PromQL name extraction finds what it must (so the checks above are not vacuous)', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (le, provider) (rate(gateway_ttft_seconds_bucket{a="b(c)"}[$__rate_interval])))')).toEqual(['gateway_ttft_seconds_bucket']);
    expect(metricNames('sum(x_total) / sum(y)')).toEqual(['x_total', 'y']);
    expect(resolves('gateway_ttft_seconds_bucket')).toBe(true);
    expect(resolves('gateway_nonexistent_total')).toBe(false);
  });
});

describe('gateway HPA on in-flight requests', () => {
  const hpa = parse(readFileSync(join(REPO_ROOT, 'deploy', 'base', 'gateway-hpa.yaml'), 'utf8'));
  const adapter = parse(readFileSync(join(OBSERVABILITY, 'prometheus-adapter-values.yaml'), 'utf8'));
  const pods = (hpa.spec.metrics as any[]).filter((m) => m.type === 'Pods');

  it('scales on a Pods metric the gateway exports as a gauge, averaged per pod', () => {
    expect(pods).toHaveLength(1);
    const { metric, target } = pods[0].pods;
    expect(metric.name).toBe('gateway_inflight_requests');
    expect(registries.gateway!.getSingleMetric(metric.name)).toBeDefined();
    expect(exported.get(metric.name)).toBe('gauge');
    expect(target.type).toBe('AverageValue');
    expect(Number(target.averageValue)).toBeGreaterThan(0);
  });

  it('prometheus-adapter serves that metric per pod and namespace', () => {
    const name = pods[0].pods.metric.name as string;
    const rules: any[] = adapter.rules.custom;
    const rule = rules.find((r) => metricNames(r.seriesQuery).includes(name));
    expect(rule).toBeDefined();
    expect(rule.resources.overrides).toEqual({ namespace: { resource: 'namespace' }, pod: { resource: 'pod' } });
    expect(new RegExp(rule.name.matches).test(name)).toBe(true);
    expect(rule.name.as ?? name).toBe(name);
    expect(rule.metricsQuery).toContain('<<.Series>>');
  });
});
