import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// Django serves the build from frontend/dist under its STATIC_URL.
export default defineConfig({
  base: '/static/',
  plugins: [react()],
  server: {
    proxy: { '/api': 'http://127.0.0.1:8000', '/login': 'http://127.0.0.1:8000' },
  },
})
