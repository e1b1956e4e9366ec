import { Center, Loader, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import type { ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { SessionProvider, useSession } from './auth/session-context';
import { AppLayout } from './layout/app-layout';
import { ChatPage } from './pages/chat/chat-page';
import { CreditsPage } from './pages/credits/credits-page';
import { DeviceApprovalPage } from './pages/device/device-approval-page';
import { GuardrailsPage } from './pages/guardrails/guardrails-page';
import { KeysPage } from './pages/keys/keys-page';
import { LedgerPage } from './pages/ledger/ledger-page';
import { GenerationPage } from './pages/logs/generation-page';
import { LogsPage } from './pages/logs/logs-page';
import { SignInPage } from './pages/sign-in/sign-in-page';
import { UsagePage } from './pages/usage/usage-page';
import { theme } from './theme';

export function App() {
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <Notifications position="top-right" />
      <BrowserRouter basename="/dashboard">
        <SessionProvider>
          <Routes>
            <Route path="/sign-in" element={<SignInPage />} />
            <Route path="/operator/ledger" element={<AppLayout><LedgerPage /></AppLayout>} />
            <Route path="/device" element={<Signed><DeviceApprovalPage /></Signed>} />
            <Route path="/credits" element={<Signed><CreditsPage /></Signed>} />
            <Route path="/keys" element={<Signed><KeysPage /></Signed>} />
            <Route path="/logs" element={<Signed><LogsPage /></Signed>} />
            <Route path="/logs/:id" element={<Signed><GenerationPage /></Signed>} />
            <Route path="/usage" element={<Signed><UsagePage /></Signed>} />
            <Route path="/guardrails" element={<Signed><GuardrailsPage /></Signed>} />
            <Route path="/chat" element={<Signed><ChatPage /></Signed>} />
            <Route path="*" element={<Navigate to="/credits" replace />} />
          </Routes>
        </SessionProvider>
      </BrowserRouter>
    </MantineProvider>
  );
}

/** Pages of a signed-in wallet: the sign-in page first otherwise, coming back here afterwards. */
function Signed({ children }: { children: ReactNode }) {
  const { me, loading } = useSession();
  const location = useLocation();
  if (loading) return <Center h="100vh"><Loader aria-label="Loading" /></Center>;
  if (!me) return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <AppLayout>{children}</AppLayout>;
}
