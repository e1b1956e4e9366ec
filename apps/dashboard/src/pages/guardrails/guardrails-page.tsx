import { Alert, Button, Card, Divider, Group, NumberInput, Select, SimpleGrid, Stack, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { useSession } from '../../auth/session-context';
import { ApiErrorAlert, notifySuccess } from '../../components/api-error-alert';
import { api, ApiError } from '../../lib/api';
import { formatDateTime } from '../../lib/chain';
import { useApi } from '../../lib/use-api';
import { microsToInput, RESET_OPTIONS, usdField } from '../../lib/forms';
import type { ApiKey } from '../keys/keys-page';

/** The policy as the API stores it (apps/gateway/src/guardrails/guardrail-policy.ts): money as micro-USD strings. */
interface Policy {
  allowed_models?: string[];
  allowed_providers?: string[];
  max_cost_per_request_micros?: string;
  daily_budget_micros?: string;
  monthly_budget_micros?: string;
  requests_per_minute?: number;
  requests_per_day?: number;
  tokens_per_minute?: number;
  credit_limit_micros?: string;
  credit_limit_reset?: 'daily' | 'weekly' | 'monthly' | 'never';
}

interface PolicyAnswer {
  scope: 'workspace' | 'key';
  policy: Policy;
  updated_at: string | null;
}

const MONEY_FIELDS = ['max_cost_per_request_micros', 'daily_budget_micros', 'monthly_budget_micros', 'credit_limit_micros'] as const;
const COUNT_FIELDS = ['requests_per_minute', 'requests_per_day', 'tokens_per_minute'] as const;
type MoneyField = (typeof MONEY_FIELDS)[number];
type CountField = (typeof COUNT_FIELDS)[number];

interface FormState {
  allowed_models: string[];
  allowed_providers: string[];
  money: Record<MoneyField, string>;
  counts: Record<CountField, string | number>;
  credit_limit_reset: string | null;
}

const COUNT_MAX = 1_000_000_000;
const IDS_MAX = 500;

function toForm(policy: Policy): FormState {
  return {
    allowed_models: policy.allowed_models ?? [],
    allowed_providers: policy.allowed_providers ?? [],
    money: Object.fromEntries(MONEY_FIELDS.map((f) => [f, microsToInput(policy[f])])) as Record<MoneyField, string>,
    counts: Object.fromEntries(COUNT_FIELDS.map((f) => [f, policy[f] ?? ''])) as Record<CountField, string | number>,
    credit_limit_reset: policy.credit_limit_reset ?? 'never',
  };
}

/** The form as the API's policy, or the errors the API's schema would answer (checked here first, same rules). */
function toPolicy(form: FormState, scope: 'workspace' | 'key'): { policy: Policy; errors: Record<string, string> } {
  const policy: Policy = {};
  const errors: Record<string, string> = {};
  for (const field of ['allowed_models', 'allowed_providers'] as const) {
    const ids = form[field].map((id) => id.trim()).filter(Boolean);
    if (ids.length > IDS_MAX) errors[field] = `At most ${IDS_MAX} entries`;
    else if (ids.some((id) => id.length > 200)) errors[field] = 'Each entry is at most 200 characters';
    else if (ids.length) policy[field] = [...new Set(ids)];
  }
  for (const field of MONEY_FIELDS) {
    if (field === 'credit_limit_micros' && scope !== 'key') continue;
    const parsed = usdField(form.money[field]);
    if (parsed.error) errors[field] = parsed.error;
    else if (parsed.micros !== undefined) policy[field] = parsed.micros.toString();
  }
  for (const field of COUNT_FIELDS) {
    const raw = form.counts[field];
    if (raw === '' || raw === undefined) continue;
    const value = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > COUNT_MAX) errors[field] = `A whole number from 1 to ${COUNT_MAX.toLocaleString('en-US')}`;
    else policy[field] = value;
  }
  if (scope === 'key' && policy.credit_limit_micros !== undefined) policy.credit_limit_reset = (form.credit_limit_reset ?? 'never') as Policy['credit_limit_reset'];
  return { policy, errors };
}

/** "Invalid value for 'daily_budget_micros': must be …" → the field it names. */
function fieldOf(error: ApiError): string | undefined {
  const param = error.param ?? /Invalid value for '([a-z_]+)/.exec(error.message)?.[1];
  return param?.split('.')[0];
}

export function GuardrailsPage() {
  const { me } = useSession();
  const keys = useApi<{ data: ApiKey[] }>('/api/v1/keys');
  const models = useApi<{ data: { id: string; owned_by?: string }[] }>('/api/v1/models');
  const [scope, setScope] = useState<string>('workspace');
  const path = scope === 'workspace' ? '/api/v1/guardrails/workspace' : `/api/v1/keys/${scope}/guardrails`;
  const current = useApi<PolicyAnswer>(path);
  const [form, setForm] = useState<FormState>(() => toForm({}));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [saveError, setSaveError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const keyScope = scope !== 'workspace';

  useEffect(() => {
    if (current.data) setForm(toForm(current.data.policy));
    setFieldErrors({});
    setSaveError(undefined);
  }, [current.data]);

  const scopeOptions = useMemo(
    () => [
      { value: 'workspace', label: `Whole workspace${me?.workspace.name ? ` (${me.workspace.name})` : ''}` },
      ...(keys.data?.data ?? []).filter((k) => k.kind === 'inference' && !k.revoked_at).map((k) => ({ value: k.id, label: `Key: ${k.name} (${k.prefix}…)` })),
    ],
    [keys.data, me],
  );
  const modelIds = useMemo(() => [...new Set((models.data?.data ?? []).map((m) => m.id))].sort(), [models.data]);
  const providerIds = useMemo(
    () => [...new Set((models.data?.data ?? []).flatMap((m) => [m.owned_by, m.id.includes('/') ? m.id.split('/')[0] : undefined]).filter((p): p is string => !!p))].sort(),
    [models.data],
  );

  const setMoney = (field: MoneyField, value: string) => setForm((f) => ({ ...f, money: { ...f.money, [field]: value } }));
  const setCount = (field: CountField, value: string | number) => setForm((f) => ({ ...f, counts: { ...f.counts, [field]: value } }));
  const errorFor = (field: string) => fieldErrors[field];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { policy, errors } = toPolicy(form, keyScope ? 'key' : 'workspace');
    setFieldErrors(errors);
    setSaveError(undefined);
    if (Object.keys(errors).length) return;
    setBusy(true);
    try {
      const saved = await api<PolicyAnswer>(path, { method: 'PUT', body: policy });
      await current.reload({ quiet: true });
      notifySuccess('Guardrails saved', `${Object.keys(saved.policy).length ? 'New limits apply' : 'No limits apply'} from the next request.`);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 400) {
        const field = fieldOf(caught);
        if (field) setFieldErrors({ [field]: caught.message });
      }
      setSaveError(caught);
    } finally {
      setBusy(false);
    }
  };

  const isOwner = me?.role === 'owner';
  const empty = current.data && Object.keys(current.data.policy).length === 0;
  return (
    <Stack gap="lg" maw={980}>
      <div>
        <Title order={2}>Guardrails</Title>
        <Text c="dimmed" size="sm">
          Limits every request must pass. The workspace policy and the calling key&apos;s own policy both apply. An empty field means no limit.
        </Text>
      </div>
      <Select label="Applies to" data={scopeOptions} value={scope} onChange={(value) => setScope(value ?? 'workspace')} allowDeselect={false} maw={420} searchable />
      {!isOwner && <Alert color="gray" variant="light">Only a workspace owner can change guardrails; you can read them.</Alert>}
      <ApiErrorAlert error={current.error} title="Could not load the policy" />
      {current.data && (
        <Text size="sm" c="dimmed" data-testid="guardrails-status">
          {empty ? 'No limits set yet: every model and provider is allowed, with no budgets or rate limits beyond the gateway defaults. Fill in the fields below to add some.' : `Last changed ${formatDateTime(current.data.updated_at)}.`}
        </Text>
      )}
      <form onSubmit={submit} noValidate>
        <Stack gap="lg">
          <Card withBorder padding="lg">
            <Title order={3} size="h4">Models and providers</Title>
            <Text size="sm" c="dimmed" mb="sm">Allow only these; requests for anything else are refused with 403. Type an id and press Enter.</Text>
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <TagsInput
                label="Allowed models"
                description="Catalog ids, e.g. openai/gpt-4o-mini; empty = any model"
                data={modelIds}
                value={form.allowed_models}
                onChange={(value) => setForm((f) => ({ ...f, allowed_models: value }))}
                error={errorFor('allowed_models')}
                clearable
                maxDropdownHeight={240}
              />
              <TagsInput
                label="Allowed providers"
                description="Provider ids, e.g. openai; empty = any provider"
                data={providerIds}
                value={form.allowed_providers}
                onChange={(value) => setForm((f) => ({ ...f, allowed_providers: value }))}
                error={errorFor('allowed_providers')}
                clearable
              />
            </SimpleGrid>
          </Card>
          <Card withBorder padding="lg">
            <Title order={3} size="h4">Spending</Title>
            <Text size="sm" c="dimmed" mb="sm">In US dollars. Requests in flight count toward budgets, so parallel requests cannot overspend.</Text>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <MoneyInput label="Per-request cost cap" description="Longer answers are shortened to fit" field="max_cost_per_request_micros" value={form.money.max_cost_per_request_micros} onChange={setMoney} error={errorFor('max_cost_per_request_micros')} />
              <MoneyInput label="Daily budget" description="Resets at 00:00 UTC" field="daily_budget_micros" value={form.money.daily_budget_micros} onChange={setMoney} error={errorFor('daily_budget_micros')} />
              <MoneyInput label="Monthly budget" description="Resets on the 1st (UTC)" field="monthly_budget_micros" value={form.money.monthly_budget_micros} onChange={setMoney} error={errorFor('monthly_budget_micros')} />
            </SimpleGrid>
            {keyScope && (
              <>
                <Divider my="md" label="This key's credit limit" labelPosition="left" />
                <SimpleGrid cols={{ base: 1, sm: 3 }}>
                  <MoneyInput label="Credit limit" description="Spending cap of this key" field="credit_limit_micros" value={form.money.credit_limit_micros} onChange={setMoney} error={errorFor('credit_limit_micros')} />
                  <Select
                    label="Limit resets"
                    data={RESET_OPTIONS}
                    value={form.credit_limit_reset}
                    onChange={(value) => setForm((f) => ({ ...f, credit_limit_reset: value }))}
                    allowDeselect={false}
                    disabled={!form.money.credit_limit_micros.trim()}
                    error={errorFor('credit_limit_reset')}
                  />
                </SimpleGrid>
              </>
            )}
          </Card>
          <Card withBorder padding="lg">
            <Title order={3} size="h4">Rate limits</Title>
            <Text size="sm" c="dimmed" mb="sm">Over the limit, requests get 429 with Retry-After.</Text>
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <CountInput label="Requests per minute" field="requests_per_minute" value={form.counts.requests_per_minute} onChange={setCount} error={errorFor('requests_per_minute')} />
              <CountInput label="Requests per day" field="requests_per_day" value={form.counts.requests_per_day} onChange={setCount} error={errorFor('requests_per_day')} />
              <CountInput label="Tokens per minute" field="tokens_per_minute" value={form.counts.tokens_per_minute} onChange={setCount} error={errorFor('tokens_per_minute')} />
            </SimpleGrid>
          </Card>
          <ApiErrorAlert error={saveError} title="The policy was not saved" />
          {Object.keys(fieldErrors).length > 0 && !saveError && <Alert color="red" variant="light" role="alert">Fix the highlighted fields, then save again.</Alert>}
          <Group>
            <Button type="submit" loading={busy} disabled={!current.data || !isOwner}>Save guardrails</Button>
            <Button variant="default" onClick={() => current.data && setForm(toForm(current.data.policy))} disabled={!current.data || busy}>Undo changes</Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}

function MoneyInput({ label, description, field, value, onChange, error }: { label: string; description?: string; field: MoneyField; value: string; onChange(field: MoneyField, value: string): void; error?: string }) {
  return (
    <TextInput
      label={label}
      description={description}
      placeholder="No limit"
      leftSection="$"
      inputMode="decimal"
      value={value}
      onChange={(e) => onChange(field, e.currentTarget.value)}
      error={error}
    />
  );
}

function CountInput({ label, field, value, onChange, error }: { label: string; field: CountField; value: string | number; onChange(field: CountField, value: string | number): void; error?: string }) {
  return (
    <NumberInput
      label={label}
      placeholder="No limit"
      value={value}
      onChange={(v) => onChange(field, v)}
      allowDecimal={false}
      allowNegative={false}
      min={1}
      max={COUNT_MAX}
      thousandSeparator=","
      error={error}
      clampBehavior="none"
    />
  );
}
