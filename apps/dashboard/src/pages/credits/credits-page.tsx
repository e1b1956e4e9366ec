import { Alert, Badge, Button, Card, Code, CopyButton, Group, Loader, Paper, SimpleGrid, Skeleton, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { QRCodeSVG } from 'qrcode.react';
import { type FormEvent, useState } from 'react';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { api } from '../../lib/api';
import { formatBasisPoints, formatDateTime, isLocalChain, networkName, shortHex } from '../../lib/chain';
import { formatUsd } from '../../lib/money';
import { useApi, usePolling } from '../../lib/use-api';

interface Credits {
  balance_micros: string;
  pending_micros: string;
  available_micros: string;
}

interface Transaction {
  id: string;
  created_at: string;
  reason: string;
  direction: 'debit' | 'credit';
  amount_micros: string;
}

interface DepositAddress {
  address: string;
  chain_id: number;
  token: { address: string; symbol: string; decimals: number };
  minimum_micros: string;
  fee_basis_points: number;
}

export interface Deposit {
  id: string;
  chain_id: number;
  tx_hash: string;
  log_index: number;
  from: string;
  amount_micros: string;
  status: 'pending' | 'confirmed' | 'dropped';
  confirmations: string;
  credit_status: 'not_final' | 'below_minimum' | 'crediting' | 'credited' | 'none';
  credit: { gross_micros: string; fee_micros: string; net_micros: string; booked_at: string | null } | null;
  seen_at: string;
  confirmed_at: string | null;
}

interface Deposits {
  data: Deposit[];
  below_minimum_micros: string;
  minimum_micros: string;
  fee_basis_points: number;
}

interface VerifyResult {
  tx_hash: string;
  status: 'not_found' | 'reverted' | 'no_matching_transfer' | 'pending' | 'confirmed';
  confirmations: string | null;
  deposits: Deposit[];
}

const POLL_MS = 2_500;
const IDLE_POLL_MS = 15_000;

/** Not credited yet, and still on its way to be (a dropped deposit is history, not pending). */
function isPending(deposit: Deposit): boolean {
  return deposit.status !== 'dropped' && deposit.credit_status !== 'credited' && deposit.credit_status !== 'none';
}

export function CreditsPage() {
  const credits = useApi<Credits>('/api/v1/credits');
  const transactions = useApi<{ data: Transaction[] }>('/api/v1/transactions?limit=200');
  const address = useApi<DepositAddress>('/api/v1/deposits/address');
  const deposits = useApi<Deposits>('/api/v1/deposits');
  const pending = deposits.data?.data.filter(isPending) ?? [];
  const history = deposits.data?.data.filter((d) => !isPending(d)) ?? [];
  // While a deposit is on its way, follow it closely to its credit and the new balance; otherwise look for new ones now and then.
  usePolling(true, pending.length > 0 ? POLL_MS : IDLE_POLL_MS, () => {
    void deposits.reload({ quiet: true });
    void credits.reload({ quiet: true });
  });
  const refreshAll = () => {
    void deposits.reload({ quiet: true });
    void credits.reload({ quiet: true });
    void transactions.reload({ quiet: true });
  };
  const starter = transactions.data?.data.find((t) => t.reason === 'starter_credit' && t.direction === 'credit');

  return (
    <Stack gap="lg">
      <Title order={2}>Credits</Title>
      <BalanceCard credits={credits.data} error={credits.error} starter={starter} />
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <DepositAddressCard address={address.data} error={address.error} loading={address.loading} />
        <VerifyCard onVerified={refreshAll} />
      </SimpleGrid>
      <DepositsCard deposits={deposits.data} pending={pending} history={history} error={deposits.error} loading={deposits.loading} />
    </Stack>
  );
}

function BalanceCard({ credits, error, starter }: { credits?: Credits; error?: unknown; starter?: Transaction }) {
  return (
    <Card withBorder padding="lg">
      <Text size="sm" c="dimmed" id="balance-label">Available balance</Text>
      {error ? (
        <ApiErrorAlert error={error} title="Could not load your balance" />
      ) : credits ? (
        <>
          <Text fz={40} fw={700} aria-labelledby="balance-label" data-testid="available-balance">{formatUsd(credits.available_micros)}</Text>
          <Text size="sm" c="dimmed">
            Settled {formatUsd(credits.balance_micros)}
            {BigInt(credits.pending_micros) > 0n ? ` · ${formatUsd(credits.pending_micros, 6)} held for requests in flight` : ''}
          </Text>
        </>
      ) : (
        <Skeleton h={48} w={200} mt={4} />
      )}
      {starter && (
        <Group gap="xs" mt="sm">
          <Badge color="teal" variant="light">Starter credit</Badge>
          <Text size="sm">{formatUsd(starter.amount_micros)} welcome credit added on {formatDateTime(starter.created_at)}.</Text>
        </Group>
      )}
    </Card>
  );
}

function DepositAddressCard({ address, error, loading }: { address?: DepositAddress; error?: unknown; loading: boolean }) {
  return (
    <Card withBorder padding="lg">
      <Title order={3} size="h4" mb="sm">Add credits with {address?.token.symbol ?? 'USDT'}</Title>
      <ApiErrorAlert error={error} title="No deposit address" />
      {loading && !address && <Loader size="sm" aria-label="Loading the deposit address" />}
      {address && (
        <Stack gap="sm">
          <Group align="flex-start" wrap="wrap" gap="lg">
            <div style={{ background: 'white', padding: 8, borderRadius: 8, lineHeight: 0 }}>
              <QRCodeSVG value={address.address} size={160} marginSize={0} title={`QR code of the deposit address ${address.address}`} role="img" />
            </div>
            <Stack gap={6} style={{ flex: '1 1 220px', minWidth: 0 }}>
              <Text size="sm" c="dimmed" id="deposit-address-label">Your deposit address</Text>
              <Group gap={6} wrap="nowrap">
                <Code aria-labelledby="deposit-address-label" data-testid="deposit-address" style={{ wordBreak: 'break-all', whiteSpace: 'normal', flex: '1 1 auto', minWidth: 0 }}>{address.address}</Code>
                <CopyButton value={address.address} timeout={1500}>
                  {({ copied, copy }) => (
                    <Button size="compact-sm" variant={copied ? 'filled' : 'light'} color={copied ? 'teal' : undefined} onClick={copy} aria-label="Copy the deposit address" style={{ flexShrink: 0 }}>
                      {copied ? 'Copied' : 'Copy'}
                    </Button>
                  )}
                </CopyButton>
              </Group>
              <Text size="xs" c="dimmed">This address is yours only and never changes.</Text>
            </Stack>
          </Group>
          <Table variant="vertical" layout="fixed" withTableBorder fz="sm">
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={120}>Network</Table.Th>
                <Table.Td>{networkName(address.chain_id)}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Asset</Table.Th>
                <Table.Td>
                  {address.token.symbol} ({address.token.decimals} decimals), token contract <Code style={{ wordBreak: 'break-all' }}>{address.token.address}</Code>
                </Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Minimum</Table.Th>
                <Table.Td>{formatUsd(address.minimum_micros)} — smaller deposits add up until together they reach it</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Funding fee</Table.Th>
                <Table.Td>{formatBasisPoints(address.fee_basis_points)} of each deposit; the rest is credited (1 {address.token.symbol} = $1.00)</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Credited</Table.Th>
                <Table.Td>Once the block is final on chain{isLocalChain(address.chain_id) ? ' (a few seconds here)' : ' (about a minute on Polygon)'}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          <Alert color="yellow" variant="light" title="Send only this token on this network">
            Send {address.token.symbol} on {networkName(address.chain_id)} only. Other tokens or other networks are not credited.
          </Alert>
        </Stack>
      )}
    </Card>
  );
}

const VERIFY_MESSAGES: Record<VerifyResult['status'], { color: string; title: string; text: string }> = {
  not_found: { color: 'gray', title: 'Not found yet', text: 'The chain does not know this transaction yet. If you just sent it, wait a few seconds and try again.' },
  reverted: { color: 'red', title: 'Transaction failed', text: 'The transaction reverted on chain: nothing was transferred.' },
  no_matching_transfer: { color: 'orange', title: 'Nothing for this workspace', text: 'This transaction sent no tokens to your deposit address.' },
  pending: { color: 'blue', title: 'Deposit found', text: 'It is credited as soon as its block is final; this page follows it.' },
  confirmed: { color: 'green', title: 'Deposit final', text: 'The deposit is final.' },
};

function VerifyCard({ onVerified }: { onVerified(): void }) {
  const [hash, setHash] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<VerifyResult>();
  const valid = /^0x[0-9a-fA-F]{64}$/.test(hash.trim());
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!valid) return;
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      setResult(await api<VerifyResult>('/api/v1/deposits/verify', { method: 'POST', body: { tx_hash: hash.trim() } }));
      onVerified();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const message = result && VERIFY_MESSAGES[result.status];
  return (
    <Card withBorder padding="lg">
      <Title order={3} size="h4" mb={4}>Verify a transaction</Title>
      <Text size="sm" c="dimmed" mb="sm">
        Sent a deposit and it is not listed below yet? Paste its transaction hash to look it up now instead of waiting for the next scan.
      </Text>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <TextInput
            label="Transaction hash"
            placeholder="0x…"
            value={hash}
            onChange={(event) => setHash(event.currentTarget.value)}
            error={hash.trim() && !valid ? 'A transaction hash is 0x followed by 64 hex characters' : undefined}
            autoComplete="off"
            spellCheck={false}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          />
          <Group>
            <Button type="submit" loading={busy} disabled={!valid}>Verify</Button>
          </Group>
          <ApiErrorAlert error={error} title="Verification failed" />
          {result && message && (
            <Alert color={message.color} variant="light" title={message.title} role="status">
              {message.text}
              {result.confirmations !== null && <> Confirmations: {result.confirmations}.</>}
              {result.deposits.map((d) => (
                <Text key={d.id} size="sm" mt={4}>
                  {formatUsd(d.amount_micros)} {d.credit ? `→ ${formatUsd(d.credit.net_micros)} credited` : `(${creditStatusText(d)})`}
                </Text>
              ))}
            </Alert>
          )}
        </Stack>
      </form>
    </Card>
  );
}

function creditStatusText(deposit: Deposit): string {
  if (deposit.status === 'dropped') return 'dropped: the block was reorganized away';
  switch (deposit.credit_status) {
    case 'not_final':
      return 'waiting for finality';
    case 'below_minimum':
      return 'final, below the minimum: adds up with your next deposits';
    case 'crediting':
      return 'final, being credited';
    case 'credited':
      return 'credited';
    default:
      return 'not creditable';
  }
}

function statusBadge(deposit: Deposit) {
  if (deposit.status === 'dropped') return <Badge color="gray">Dropped</Badge>;
  if (deposit.credit_status === 'credited') return <Badge color="green">Credited</Badge>;
  if (deposit.credit_status === 'below_minimum') return <Badge color="orange">Below minimum</Badge>;
  if (deposit.credit_status === 'crediting') return <Badge color="blue">Crediting</Badge>;
  return <Badge color="blue" variant="light">Pending</Badge>;
}

function TxHash({ hash }: { hash: string }) {
  return (
    <Tooltip label={hash} withArrow>
      <Code tabIndex={0} aria-label={`Transaction ${hash}`}>{shortHex(hash)}</Code>
    </Tooltip>
  );
}

function DepositsCard({ deposits, pending, history, error, loading }: { deposits?: Deposits; pending: Deposit[]; history: Deposit[]; error?: unknown; loading: boolean }) {
  const waiting = deposits ? BigInt(deposits.below_minimum_micros) : 0n;
  // Phone widths: one card per deposit instead of a table that would scroll sideways.
  const compact = useMediaQuery('(max-width: 48em)') ?? false;
  return (
    <Card withBorder padding="lg">
      <Title order={3} size="h4" mb="sm">Deposits</Title>
      <ApiErrorAlert error={error} title="Could not load deposits" />
      {loading && !deposits && <Loader size="sm" aria-label="Loading deposits" />}
      {deposits && waiting > 0n && (
        <Alert color="orange" variant="light" mb="sm" title="Below the minimum">
          {formatUsd(waiting)} received so far is below the {formatUsd(deposits.minimum_micros)} minimum. It is kept and credited once your deposits together reach the minimum.
        </Alert>
      )}
      {deposits && deposits.data.length === 0 && (
        <Text c="dimmed" size="sm">No deposits yet. Send {formatUsd(deposits.minimum_micros)} or more in USDT to your deposit address above; it shows up here within seconds and is credited once final.</Text>
      )}
      {compact && pending.length > 0 && <DepositCards title="On the way" deposits={pending} testId="pending-deposits" following />}
      {compact && history.length > 0 && <DepositCards title="History" deposits={history} testId="deposit-history" />}
      {!compact && pending.length > 0 && (
        <Stack gap={4} mb="md">
          <Group gap="xs">
            <Text fw={600}>On the way</Text>
            <Loader size="xs" aria-label="Following pending deposits" />
          </Group>
          <Table.ScrollContainer minWidth={560}>
            <Table striped aria-label="Pending deposits" data-testid="pending-deposits">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Seen</Table.Th>
                  <Table.Th>Transaction</Table.Th>
                  <Table.Th ta="right">Amount</Table.Th>
                  <Table.Th ta="right">Confirmations</Table.Th>
                  <Table.Th>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {pending.map((d) => (
                  <Table.Tr key={d.id}>
                    <Table.Td>{formatDateTime(d.seen_at)}</Table.Td>
                    <Table.Td><TxHash hash={d.tx_hash} /></Table.Td>
                    <Table.Td ta="right">{formatUsd(d.amount_micros)}</Table.Td>
                    <Table.Td ta="right">{d.confirmations}</Table.Td>
                    <Table.Td>{statusBadge(d)} <Text span size="xs" c="dimmed">{creditStatusText(d)}</Text></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      )}
      {!compact && history.length > 0 && (
        <Stack gap={4}>
          <Text fw={600}>History</Text>
          <Table.ScrollContainer minWidth={640}>
            <Table striped aria-label="Deposit history" data-testid="deposit-history">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Final</Table.Th>
                  <Table.Th>Transaction</Table.Th>
                  <Table.Th ta="right">Amount</Table.Th>
                  <Table.Th ta="right">Fee</Table.Th>
                  <Table.Th ta="right">Credited</Table.Th>
                  <Table.Th>Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {history.map((d) => (
                  <Table.Tr key={d.id}>
                    <Table.Td>{formatDateTime(d.credit?.booked_at ?? d.confirmed_at ?? d.seen_at)}</Table.Td>
                    <Table.Td><TxHash hash={d.tx_hash} /></Table.Td>
                    <Table.Td ta="right">{formatUsd(d.credit?.gross_micros ?? d.amount_micros)}</Table.Td>
                    <Table.Td ta="right">{d.credit ? formatUsd(d.credit.fee_micros) : '—'}</Table.Td>
                    <Table.Td ta="right" fw={600}>{d.credit ? formatUsd(d.credit.net_micros) : '—'}</Table.Td>
                    <Table.Td>{statusBadge(d)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      )}
    </Card>
  );
}

function DepositCards({ title, deposits, testId, following = false }: { title: string; deposits: Deposit[]; testId: string; following?: boolean }) {
  return (
    <Stack gap="xs" mb="md" data-testid={testId}>
      <Group gap="xs">
        <Text fw={600}>{title}</Text>
        {following && <Loader size="xs" aria-label="Following pending deposits" />}
      </Group>
      {deposits.map((d) => (
        <Paper key={d.id} withBorder p="sm" radius="md">
          <Group justify="space-between" wrap="nowrap">
            <Text fw={600}>{formatUsd(d.credit?.gross_micros ?? d.amount_micros)}</Text>
            {statusBadge(d)}
          </Group>
          <Text size="sm">
            {d.credit
              ? `${formatUsd(d.credit.net_micros)} credited after a ${formatUsd(d.credit.fee_micros)} fee`
              : `${d.confirmations} confirmations · ${creditStatusText(d)}`}
          </Text>
          <Group gap="xs" justify="space-between">
            <Text size="xs" c="dimmed">{formatDateTime(d.credit?.booked_at ?? d.confirmed_at ?? d.seen_at)}</Text>
            <TxHash hash={d.tx_hash} />
          </Group>
        </Paper>
      ))}
    </Stack>
  );
}
