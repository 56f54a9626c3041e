import { defineConfig } from 'vite';

// Built into the host's web root and committed: `dotnet run` serves it with no Node.
// The output must be the same bytes for the same sources (CI rebuilds and compares).
export default defineConfig({
  base: '/console/',
  build: {
    outDir: '../Crm.Host/wwwroot/console',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    modulePreload: { polyfill: false },
    target: 'es2022',
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/graphql': { target: 'http://localhost:5000', ws: true } },
  },
});
