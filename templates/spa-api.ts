/// <reference path="./devproxy-env.d.ts" />
import { defineConfig } from 'devproxy'

// A single-page app (Vite on :5173) and its API (:3000) behind one origin, so the browser
// sees no CORS and cookies just work. Vite's HMR WebSocket is proxied too.
export default defineConfig({
  port: 8080,
  routes: [
    {
      name: 'api',
      path: '/api',
      target: 'http://localhost:3000',
      stripPrefix: true,
      timeoutMs: 30_000,
      headers: { response: { 'cache-control': 'no-store' } },
    },
    {
      name: 'web',
      path: '/',
      target: 'http://localhost:5173',
      ws: true,
    },
  ],
})
