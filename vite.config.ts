import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The demo app: built into dist/app, which the server serves at `/`.
export default defineConfig({
  root: 'client/app',
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../../dist/app',
    emptyOutDir: true,
  },
});
