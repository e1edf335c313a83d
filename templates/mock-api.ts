/// <reference path="./devproxy-env.d.ts" />
import { defineConfig } from 'devproxy'

// Endpoints the backend does not have yet, answered by devproxy; every other request goes to
// the real API on :3000. Mocks are tried in order, the first that answers wins. Edit them while
// `devproxy start` runs: the config reloads, and call counts start again.
export default defineConfig({
  port: 8080,
  routes: [
    {
      name: 'api',
      path: '/api',
      target: 'http://localhost:3000',
      mock: [
        // A fixed answer for any user id; the delay makes loading states visible.
        {
          match: { method: 'GET', path: '/api/users/*' },
          json: { id: 42, name: 'Ada Lovelace', role: 'admin' },
          delayMs: 300,
        },
        // Only the 3rd order fails, to try the client's retry and error paths; the others reach :3000.
        {
          match: { method: 'POST', path: '/api/orders' },
          nth: 3,
          status: 503,
          headers: { 'retry-after': '1' },
          json: { error: 'orders are unavailable, try again' },
        },
        // A job polled until it is done: pending twice, then the mock below answers every poll after.
        {
          match: { method: 'GET', path: '/api/jobs/*' },
          sequence: [{ json: { status: 'pending' } }, { json: { status: 'pending' } }],
        },
        {
          match: { method: 'GET', path: '/api/jobs/*' },
          json: { status: 'done', result: '/api/reports/7' },
        },
        // An answer computed from the request; returning nothing would pass it on to :3000.
        {
          match: { method: 'POST', path: '/api/invites' },
          async respond(req) {
            const email = ((await req.json()) as { email?: unknown } | null)?.email
            if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email)) {
              return { status: 422, json: { error: 'email must be an address such as ada@example.com' } }
            }
            return { status: 201, json: { id: req.call, email, invitedAt: new Date().toISOString() } }
          },
        },
      ],
    },
  ],
})
