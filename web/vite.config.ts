import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The Rust server embeds `dist/` and serves it from one origin; assets live under /assets/.
export default defineConfig({
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    // No inline scripts (CSP `script-src 'self'`): keep even tiny modules as files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    // Optional dev server: proxy the API and the socket to a locally running `cahoot serve`.
    proxy: {
      '/api': process.env.CAHOOT_URL ?? 'http://127.0.0.1:8080',
      '/ws': { target: process.env.CAHOOT_URL ?? 'http://127.0.0.1:8080', ws: true },
    },
  },
});
