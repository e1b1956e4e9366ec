import { Alert, Badge, Button, Card, Code, Group, List, PasswordInput, Stack, Table, Tabs, Text, TextInput, Title, UnstyledButton } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { ApiError } from '../../lib/api';
import { formatDateTime } from '../../lib/chain';
import { formatUsd } from '../../lib/money';
import { useApi } from '../../lib/use-api';

type AccountType = 'asset' | 'liability' | 'equity' | 'revenue' | 'expense';

interface TrialBalance {
  asOf: string;
  accounts: { accountCode: string; type: AccountType; debitsPostedMicros: string; creditsPostedMicros: string; balanceMicros: string }[];
  totals: { debitsPostedMicros: string; creditsPostedMicros: string };
  balanced: boolean;
}

interface AccountBalance {
  accountCode: string;
  type: AccountType;
  debitsPendingMicros: string;
  debitsPostedMicros: string;
  creditsPendingMicros: string;
  creditsPostedMicros: string;
  balanceMicros: string;
  availableMicros: string;
}

interface Statement {
  accountCode: string;
  type: AccountType;
  openingBalanceMicros: string;
  lines: {
    transferId: string;
    createdAt: string;
    kind: 'single' | 'pending' | 'post' | 'void' | 'expire';
    direction: 'debit' | 'credit';
    counterpartyCode: string;
    amountMicros: string;
    reason: string;
    balanceMicros: string;
  }[];
  nextCursor: string | null;
}

interface Audit {
  balanced: boolean;
  sumMicros: string;
  postedSumMicros: string;
  pendingSumMicros: string;
  mismatches: { accountCode: string; field: string; cachedMicros: string; recomputedMicros: string }[];
  overdrawnAccounts: string[];
  holdsResolvedMoreThanOnce: number;
  holdsPastTimeout: number;
  checkedAccounts: number;
  checkedTransfers: number;
}

const TOKEN_STORAGE_KEY = 'switchyard.adminToken';
const PAGE_SIZE = 50;

/** Finance views for the operator: the admin token (kept in this tab's sessionStorage only) instead of a wallet. */
export function LedgerPage() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_STORAGE_KEY) ?? '');
  const [typed, setTyped] = useState('');
  const [tab, setTab] = useState<string | null>('trial-balance');
  const [account, setAccount] = useState<string>();

  const use = (event: FormEvent) => {
    event.preventDefault();
    if (!typed.trim()) return;
    sessionStorage.setItem(TOKEN_STORAGE_KEY, typed.trim());
    setToken(typed.trim());
    setTyped('');
  };
  const forget = () => {
    sessionStorage.removeItem(TOKEN_STORAGE_KEY);
    setToken('');
  };

  return (
    <Stack gap="lg">
      <div>
        <Title order={2}>Ledger</Title>
        <Text c="dimmed" size="sm">Balances, statements, the trial balance and the invariant audit of the double-entry ledger. For operators: needs the gateway&apos;s admin token.</Text>
      </div>
      {token ? (
        <Group gap="xs">
          <Badge color="teal" variant="light">Admin token set for this tab</Badge>
          <Button size="xs" variant="default" onClick={forget}>Forget token</Button>
        </Group>
      ) : (
        <Card withBorder padding="lg" maw={560}>
          <form onSubmit={use}>
            <Stack gap="sm">
              <PasswordInput
                label="Admin token"
                description="GATEWAY_ADMIN_TOKEN. Kept in this browser tab only (sessionStorage) and sent to this gateway alone."
                value={typed}
                onChange={(e) => setTyped(e.currentTarget.value)}
                autoComplete="off"
              />
              <Group>
                <Button type="submit" disabled={!typed.trim()}>Open the ledger</Button>
              </Group>
            </Stack>
          </form>
        </Card>
      )}
      {token && (
        <Tabs value={tab} onChange={setTab} keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="trial-balance">Trial balance</Tabs.Tab>
            <Tabs.Tab value="accounts">Accounts</Tabs.Tab>
            <Tabs.Tab value="statement">Statement</Tabs.Tab>
            <Tabs.Tab value="audit">Audit</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="trial-balance" pt="md">
            <TrialBalanceView token={token} onForget={forget} onOpen={(code) => { setAccount(code); setTab('statement'); }} />
          </Tabs.Panel>
          <Tabs.Panel value="accounts" pt="md">
            <AccountsView token={token} onForget={forget} onOpen={(code) => { setAccount(code); setTab('statement'); }} />
          </Tabs.Panel>
          <Tabs.Panel value="statement" pt="md">
            <StatementView token={token} onForget={forget} code={account} onCode={setAccount} />
          </Tabs.Panel>
          <Tabs.Panel value="audit" pt="md">
            <AuditView token={token} onForget={forget} />
          </Tabs.Panel>
        </Tabs>
      )}
    </Stack>
  );
}

/** A refused token says so, with a way to enter another one. */
function LedgerError({ error, onForget, title }: { error: unknown; onForget(): void; title: string }) {
  if (!error) return null;
  if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
    return (
      <Alert color="red" variant="light" title="The admin token was refused" role="alert">
        <Text size="sm" mb="xs">{error.message}</Text>
        <Button size="xs" variant="default" onClick={onForget}>Enter another token</Button>
      </Alert>
    );
  }
  return <ApiErrorAlert error={error} title={title} />;
}

function AccountLink({ code, onOpen }: { code: string; onOpen(code: string): void }) {
  return (
    <UnstyledButton onClick={() => onOpen(code)} aria-label={`Statement of ${code}`} style={{ textDecoration: 'underline dotted' }}>
      <Code>{code}</Code>
    </UnstyledButton>
  );
}

function TrialBalanceView({ token, onForget, onOpen }: { token: string; onForget(): void; onOpen(code: string): void }) {
  const trial = useApi<TrialBalance>('/api/v1/admin/ledger/trial-balance', { adminToken: token });
  const data = trial.data;
  const accounts = data?.accounts.filter((a) => a.debitsPostedMicros !== '0' || a.creditsPostedMicros !== '0') ?? [];
  return (
    <Stack gap="sm">
      <LedgerError error={trial.error} onForget={onForget} title="Could not load the trial balance" />
      {data && (
        <>
          <Group gap="sm">
            {data.balanced ? <Badge color="green" size="lg" data-testid="trial-balance-status">Balanced</Badge> : <Badge color="red" size="lg" data-testid="trial-balance-status">Not balanced</Badge>}
            <Text size="sm">
              Debits {formatUsd(data.totals.debitsPostedMicros, 6)} · Credits {formatUsd(data.totals.creditsPostedMicros, 6)} · as of {formatDateTime(data.asOf)}
            </Text>
            <Button size="xs" variant="default" onClick={() => trial.reload()} loading={trial.loading}>Refresh</Button>
          </Group>
          {accounts.length === 0 ? (
            <Text c="dimmed" size="sm">No postings yet: accounts appear here once money moves (a starter credit, a deposit, a request).</Text>
          ) : (
            <Table.ScrollContainer minWidth={640}>
              <Table striped aria-label="Trial balance" data-testid="trial-balance">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Account</Table.Th>
                    <Table.Th>Type</Table.Th>
                    <Table.Th ta="right">Debits</Table.Th>
                    <Table.Th ta="right">Credits</Table.Th>
                    <Table.Th ta="right">Balance</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {accounts.map((a) => (
                    <Table.Tr key={a.accountCode}>
                      <Table.Td><AccountLink code={a.accountCode} onOpen={onOpen} /></Table.Td>
                      <Table.Td>{a.type}</Table.Td>
                      <Table.Td ta="right">{formatUsd(a.debitsPostedMicros, 6)}</Table.Td>
                      <Table.Td ta="right">{formatUsd(a.creditsPostedMicros, 6)}</Table.Td>
                      <Table.Td ta="right">{formatUsd(a.balanceMicros, 6)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
                <Table.Tfoot>
                  <Table.Tr>
                    <Table.Th colSpan={2}>Total</Table.Th>
                    <Table.Th ta="right">{formatUsd(data.totals.debitsPostedMicros, 6)}</Table.Th>
                    <Table.Th ta="right">{formatUsd(data.totals.creditsPostedMicros, 6)}</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Tfoot>
              </Table>
            </Table.ScrollContainer>
          )}
        </>
      )}
    </Stack>
  );
}

function AccountsView({ token, onForget, onOpen }: { token: string; onForget(): void; onOpen(code: string): void }) {
  const [prefix, setPrefix] = useState('');
  const [applied, setApplied] = useState('');
  // Keyset pages: the `after` code of each page visited, so "Previous" can go back.
  const [afters, setAfters] = useState<string[]>(['']);
  const after = afters[afters.length - 1];
  const query = new URLSearchParams({ limit: String(PAGE_SIZE), ...(applied ? { prefix: applied } : {}), ...(after ? { after } : {}) });
  const list = useApi<{ accounts: AccountBalance[]; nextAfterCode: string | null }>(`/api/v1/admin/ledger/accounts?${query}`, { adminToken: token });
  const filter = (event: FormEvent) => {
    event.preventDefault();
    setApplied(prefix.trim());
    setAfters(['']);
  };
  return (
    <Stack gap="sm">
      <form onSubmit={filter}>
        <Group align="flex-end" gap="xs">
          <TextInput label="Account code starts with" placeholder="workspace: or asset:" value={prefix} onChange={(e) => setPrefix(e.currentTarget.value)} w={280} />
          <Button type="submit" variant="default">Filter</Button>
        </Group>
      </form>
      <LedgerError error={list.error} onForget={onForget} title="Could not list accounts" />
      {list.data && list.data.accounts.length === 0 && <Text c="dimmed" size="sm">No accounts{applied ? ` starting with “${applied}”` : ''}. Clear the filter to see them all.</Text>}
      {list.data && list.data.accounts.length > 0 && (
        <Table.ScrollContainer minWidth={760}>
          <Table striped aria-label="Ledger accounts">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Account</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th ta="right">Balance</Table.Th>
                <Table.Th ta="right">Available</Table.Th>
                <Table.Th ta="right">Pending debits</Table.Th>
                <Table.Th ta="right">Pending credits</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.accounts.map((a) => (
                <Table.Tr key={a.accountCode}>
                  <Table.Td><AccountLink code={a.accountCode} onOpen={onOpen} /></Table.Td>
                  <Table.Td>{a.type}</Table.Td>
                  <Table.Td ta="right">{formatUsd(a.balanceMicros, 6)}</Table.Td>
                  <Table.Td ta="right">{formatUsd(a.availableMicros, 6)}</Table.Td>
                  <Table.Td ta="right">{formatUsd(a.debitsPendingMicros, 6)}</Table.Td>
                  <Table.Td ta="right">{formatUsd(a.creditsPendingMicros, 6)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Group gap="xs">
        <Button size="xs" variant="default" disabled={afters.length <= 1} onClick={() => setAfters((a) => a.slice(0, -1))}>Previous page</Button>
        <Button size="xs" variant="default" disabled={!list.data?.nextAfterCode} onClick={() => list.data?.nextAfterCode && setAfters((a) => [...a, list.data!.nextAfterCode!])}>Next page</Button>
        <Text size="xs" c="dimmed">Page {afters.length}</Text>
      </Group>
    </Stack>
  );
}

function StatementView({ token, onForget, code, onCode }: { token: string; onForget(): void; code?: string; onCode(code: string): void }) {
  const [typed, setTyped] = useState(code ?? '');
  const [cursors, setCursors] = useState<string[]>(['']);
  const [shownCode, setShownCode] = useState(code);
  if (code !== shownCode) {
    // Another account was picked: start at its first page.
    setShownCode(code);
    setTyped(code ?? '');
    setCursors(['']);
  }
  const cursor = cursors[cursors.length - 1];
  const query = new URLSearchParams({ limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) });
  const statement = useApi<Statement>(code ? `/api/v1/admin/ledger/accounts/${encodeURIComponent(code)}/statement?${query}` : null, { adminToken: token });
  const open = (event: FormEvent) => {
    event.preventDefault();
    if (typed.trim()) onCode(typed.trim());
  };
  const data = statement.data;
  return (
    <Stack gap="sm">
      <form onSubmit={open}>
        <Group align="flex-end" gap="xs">
          <TextInput label="Account code" placeholder="workspace:…:credit" value={typed} onChange={(e) => setTyped(e.currentTarget.value)} w={{ base: '100%', sm: 420 }} />
          <Button type="submit" variant="default">Show statement</Button>
        </Group>
      </form>
      {!code && <Text c="dimmed" size="sm">Pick an account in the trial balance or the accounts list, or type its code.</Text>}
      <LedgerError error={statement.error} onForget={onForget} title="Could not load the statement" />
      {data && (
        <>
          <Group gap="sm">
            <Code>{data.accountCode}</Code>
            <Badge variant="light">{data.type}</Badge>
            <Text size="sm">Opening balance {formatUsd(data.openingBalanceMicros, 6)}</Text>
          </Group>
          {data.lines.length === 0 ? (
            <Text c="dimmed" size="sm">No transfers on this account{cursors.length > 1 ? ' after the previous page' : ' yet'}.</Text>
          ) : (
            <Table.ScrollContainer minWidth={900}>
              <Table striped aria-label={`Statement of ${data.accountCode}`} data-testid="statement">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Time</Table.Th>
                    <Table.Th>Kind</Table.Th>
                    <Table.Th>Reason</Table.Th>
                    <Table.Th>Counterparty</Table.Th>
                    <Table.Th ta="right">Debit</Table.Th>
                    <Table.Th ta="right">Credit</Table.Th>
                    <Table.Th ta="right">Balance</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.lines.map((line) => (
                    <Table.Tr key={`${line.transferId}-${line.direction}`}>
                      <Table.Td>{formatDateTime(line.createdAt)}</Table.Td>
                      <Table.Td>{line.kind === 'single' ? 'posted' : line.kind}</Table.Td>
                      <Table.Td>{line.reason}</Table.Td>
                      <Table.Td><Code>{line.counterpartyCode}</Code></Table.Td>
                      <Table.Td ta="right">{line.direction === 'debit' ? formatUsd(line.amountMicros, 6) : ''}</Table.Td>
                      <Table.Td ta="right">{line.direction === 'credit' ? formatUsd(line.amountMicros, 6) : ''}</Table.Td>
                      <Table.Td ta="right">{formatUsd(line.balanceMicros, 6)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          <Text size="xs" c="dimmed">Oldest first. Held (pending), voided and expired lines leave the posted balance unchanged.</Text>
          <Group gap="xs">
            <Button size="xs" variant="default" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>Previous page</Button>
            <Button size="xs" variant="default" disabled={!data.nextCursor} onClick={() => data.nextCursor && setCursors((c) => [...c, data.nextCursor!])}>Next page</Button>
            <Text size="xs" c="dimmed">Page {cursors.length}</Text>
          </Group>
        </>
      )}
    </Stack>
  );
}

function AuditView({ token, onForget }: { token: string; onForget(): void }) {
  const audit = useApi<Audit>('/api/v1/admin/ledger/audit', { adminToken: token });
  const data = audit.data;
  return (
    <Stack gap="sm">
      <Group>
        <Button size="xs" variant="default" onClick={() => audit.reload()} loading={audit.loading}>Run the audit again</Button>
      </Group>
      <LedgerError error={audit.error} onForget={onForget} title="The audit did not run" />
      {data && (
        <Card withBorder padding="lg">
          <Group gap="sm" mb="sm">
            {data.balanced && data.mismatches.length === 0 && data.overdrawnAccounts.length === 0 && data.holdsResolvedMoreThanOnce === 0
              ? <Badge color="green" size="lg" data-testid="audit-status">All invariants hold</Badge>
              : <Badge color="red" size="lg" data-testid="audit-status">Invariant broken</Badge>}
            <Text size="sm" c="dimmed">{data.checkedAccounts.toLocaleString('en-US')} accounts, {data.checkedTransfers.toLocaleString('en-US')} transfers checked</Text>
          </Group>
          <List size="sm" spacing={4}>
            <List.Item>Σ (debits − credits) over all accounts: {formatUsd(data.sumMicros, 6)} (posted {formatUsd(data.postedSumMicros, 6)}, pending {formatUsd(data.pendingSumMicros, 6)}) {data.balanced ? '— balanced' : '— NOT balanced'}</List.Item>
            <List.Item>Cached counters that differ from the transfers: {data.mismatches.length}</List.Item>
            <List.Item>Customer balances below zero: {data.overdrawnAccounts.length ? data.overdrawnAccounts.join(', ') : 'none'}</List.Item>
            <List.Item>Holds resolved more than once: {data.holdsResolvedMoreThanOnce}</List.Item>
            <List.Item>Holds past their timeout, not yet expired: {data.holdsPastTimeout}</List.Item>
          </List>
          {data.mismatches.length > 0 && (
            <Table.ScrollContainer minWidth={600} mt="sm">
              <Table aria-label="Counter mismatches">
                <Table.Thead>
                  <Table.Tr><Table.Th>Account</Table.Th><Table.Th>Field</Table.Th><Table.Th ta="right">Cached</Table.Th><Table.Th ta="right">Recomputed</Table.Th></Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.mismatches.map((m) => (
                    <Table.Tr key={`${m.accountCode}-${m.field}`}>
                      <Table.Td><Code>{m.accountCode}</Code></Table.Td>
                      <Table.Td>{m.field}</Table.Td>
                      <Table.Td ta="right">{formatUsd(m.cachedMicros, 6)}</Table.Td>
                      <Table.Td ta="right">{formatUsd(m.recomputedMicros, 6)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Card>
      )}
    </Stack>
  );
}
