import { defineConfig } from 'vite';

// Served by the gateway under /dashboard/ (same origin as the API, so the session cookie just works).
export default defineConfig({
  root: __dirname,
  base: '/dashboard/',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/v1': 'http://127.0.0.1:8080' } },
});
