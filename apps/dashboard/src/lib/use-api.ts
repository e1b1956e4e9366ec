import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from './api';

export interface ApiResource<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  /** Loads again; `quiet` keeps the current data on screen without a loading state (polling). */
  reload(options?: { quiet?: boolean }): Promise<void>;
}

/**
 * GETs `path` (null: nothing yet) and keeps the answer, the error and the loading state. An answer belongs to its
 * path: after the path changes, the old answer is never shown (or saved back) as if it were the new one.
 */
export function useApi<T>(path: string | null, options: { adminToken?: string } = {}): ApiResource<T> {
  const [result, setResult] = useState<{ key: string; data?: T; error?: ApiError | Error }>();
  const [loading, setLoading] = useState(path !== null);
  const generation = useRef(0);
  const { adminToken } = options;
  const key = `${adminToken ?? ''} ${path ?? ''}`;
  const reload = useCallback(
    async ({ quiet = false }: { quiet?: boolean } = {}) => {
      if (path === null) return;
      const mine = ++generation.current;
      if (!quiet) setLoading(true);
      try {
        const answer = await api<T>(path, { adminToken });
        if (mine === generation.current) setResult({ key, data: answer });
      } catch (caught) {
        if (mine === generation.current) setResult((previous) => ({ key, data: previous?.key === key ? previous.data : undefined, error: caught instanceof Error ? caught : new Error(String(caught)) }));
      } finally {
        if (mine === generation.current) setLoading(false);
      }
    },
    [path, adminToken, key],
  );
  useEffect(() => {
    if (path === null) {
      generation.current++;
      setLoading(false);
      return;
    }
    void reload();
  }, [path, reload]);
  const current = result?.key === key ? result : undefined;
  return { data: current?.data, error: current?.error, loading: path !== null && (loading || !current), reload };
}

/** Calls `tick` every `intervalMs` while `active`, and not while the tab is hidden. */
export function usePolling(active: boolean, intervalMs: number, tick: () => void): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') latest.current();
    }, intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs]);
}
