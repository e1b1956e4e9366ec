import { Alert, Anchor, Button, Center, Code, Divider, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { useSession } from '../../auth/session-context';
import { ApiErrorAlert, errorMessage } from '../../components/api-error-alert';
import { safeNext } from '../../lib/navigation';
import { useApi } from '../../lib/use-api';
import { type Discovery, existingDevWalletAddress, injectedWallet, signInWithDevWallet, signInWithInjectedWallet, walletErrorMessage } from '../../lib/wallet';


export function SignInPage() {
  const { me, loading: sessionLoading, reload } = useSession();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const navigate = useNavigate();
  const discovery = useApi<Discovery>('/api/v1/auth/discovery');
  const [busy, setBusy] = useState<'wallet' | 'dev' | null>(null);
  const [failure, setFailure] = useState<string>();
  const wallet = injectedWallet();
  const devAddress = existingDevWalletAddress();

  if (sessionLoading) return <Center h="100vh"><Loader aria-label="Loading" /></Center>;
  if (me && !busy) return <Navigate to={next} replace />;

  async function run(kind: 'wallet' | 'dev') {
    if (!discovery.data) return;
    setBusy(kind);
    setFailure(undefined);
    try {
      if (kind === 'wallet' && wallet) await signInWithInjectedWallet(discovery.data, wallet);
      else await signInWithDevWallet(discovery.data);
      await reload();
      navigate(next, { replace: true });
    } catch (error) {
      setFailure(walletErrorMessage(error) ?? errorMessage(error));
    } finally {
      setBusy(null);
    }
  }

  const local = discovery.data?.chain?.local === true;
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={460}>
        <Stack>
          <div>
            <Title order={1} size="h2">Sign in to Switchyard</Title>
            <Text c="dimmed" size="sm" mt={4}>
              Sign a message with your Ethereum wallet (Sign-In with Ethereum). Nothing is sent on chain and it costs no gas.
              A new wallet gets its own workspace with starter credits.
            </Text>
          </div>
          <ApiErrorAlert error={discovery.error} title="The gateway did not answer" />
          {failure && <Alert color="red" variant="light" title="Sign-in failed" role="alert" withCloseButton closeButtonLabel="Dismiss error" onClose={() => setFailure(undefined)}>{failure}</Alert>}
          {wallet ? (
            <Button size="md" onClick={() => run('wallet')} loading={busy === 'wallet'} disabled={!discovery.data || busy !== null}>
              Sign in with your wallet
            </Button>
          ) : (
            <Alert variant="light" color="gray" title="No browser wallet found">
              Install or unlock a wallet extension (MetaMask, Rabby, Coinbase Wallet…) and reload this page.
              {local ? ' On this local chain you can also use a throwaway dev wallet below.' : ''}
            </Alert>
          )}
          {local && (
            <>
              <Divider label="Local development chain" labelPosition="center" />
              <Button size="md" variant="light" onClick={() => run('dev')} loading={busy === 'dev'} disabled={busy !== null}>
                Use a local dev wallet
              </Button>
              <Text size="xs" c="dimmed">
                {devAddress ? <>Signs in as <Code>{devAddress}</Code>, a throwaway key kept in this browser.</> : 'Creates a throwaway key kept in this browser.'}{' '}
                Chain {discovery.data?.chain?.chain_id} only: never send real funds to it.
              </Text>
            </>
          )}
          <Text size="xs" c="dimmed">
            Operators: the <Anchor component={Link} to="/operator/ledger" size="xs">ledger views</Anchor> take an admin token instead.
          </Text>
        </Stack>
      </Paper>
    </Center>
  );
}
