/// <reference path="./devproxy-env.d.ts" />
import { defineConfig } from 'devproxy'

// Your API (:3000) with a developer's credentials added to every request, so the browser, curl
// and scripts reach it without logging in. Start the proxy with the token in the environment:
//   DEV_API_TOKEN=eyJhbGciOi… devproxy start
// Unset (or empty), requests carry `Bearer dev-token`: a placeholder your dev server must accept.
const token = process.env.DEV_API_TOKEN || 'dev-token'

export default defineConfig({
  port: 8080,
  routes: [
    {
      name: 'api',
      path: '/api',
      target: 'http://localhost:3000',
      onRequest(ctx) {
        // A request that brings its own credentials (a test signed in as someone else) keeps them.
        ctx.headers.authorization ??= `Bearer ${token}`
      },
      onResponse(ctx) {
        // Who answered — the upstream, a mock, a fault — shows in the browser's network tab.
        ctx.headers['x-served-by'] = `devproxy (${ctx.source})`
        // The browser keeps no session of its own, so every request is the token's user.
        delete ctx.headers['set-cookie']
      },
    },
    {
      name: 'web',
      path: '/',
      target: 'http://localhost:5173',
    },
  ],
})
