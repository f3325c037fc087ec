import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` proxies the API to a running admin-api (npm start prints its address).
const adminApi = process.env.STEWARD_ADMIN_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed file names under assets/ are what the admin API caches for a year.
    assetsDir: 'assets',
    chunkSizeWarningLimit: 900,
  },
  server: { proxy: { '/api': { target: adminApi, changeOrigin: false } } },
});
