/** Where to go after signing in: a path inside the dashboard only (never another origin, never back to sign-in). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith('/sign-in')) return '/credits';
  return next;
}
