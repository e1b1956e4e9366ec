import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { api, ApiError } from '../lib/api';

/** GET /api/v1/me for a signed-in wallet. */
export interface Me {
  auth: string;
  workspace: { id: string; name: string | null };
  address: string;
  role: 'owner' | 'member' | string;
  workspaces: unknown;
}

interface SessionState {
  me: Me | null;
  loading: boolean;
  reload(): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  const reload = useCallback(async () => {
    try {
      setMe((await api<{ data: Me }>('/api/v1/me')).data);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      setMe(null);
    } finally {
      setLoading(false);
    }
  }, []);
  const signOut = useCallback(async () => {
    await api('/api/v1/auth/logout', { method: 'POST', body: {} }).catch(() => undefined);
    setMe(null);
  }, []);
  useEffect(() => void reload(), [reload]);
  return <SessionContext.Provider value={{ me, loading, reload, signOut }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}
