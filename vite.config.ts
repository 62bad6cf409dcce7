import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

// The demo app: built into dist/app, which the server serves at `/`.
export default defineConfig({
  root: 'client/app',
  base: '/',
  plugins: [
    react(),
    // An offline-capable app: a Workbox service worker (/sw.js, scope /) precaches the app shell,
    // so a reload or a new tab of a document opened before works without a network, from the
    // IndexedDB copy. Only the app's own routes fall back to index.html: /api, /healthz, /metrics
    // and the WebSocket never go through the cache.
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script-defer',
      manifest: false,
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg}'],
        navigateFallback: '/index.html',
        navigateFallbackAllowlist: [/^\/$/, /^\/d\//],
        cleanupOutdatedCaches: true,
        // The first visit is served by the worker as soon as it is active, so even the tab that
        // installed it reloads offline.
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
  build: {
    outDir: '../../dist/app',
    emptyOutDir: true,
  },
});
