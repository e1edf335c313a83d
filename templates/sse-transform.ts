/// <reference path="./devproxy-env.d.ts" />
import { defineConfig } from 'devproxy'

// An LLM-style token stream (server-sent events from :3000/api/stream) changed on its way to the
// browser, event by event, as it streams: secrets redacted, heartbeats dropped, and a summary
// event once the stream ends. Everything else under /api passes through untouched.

/** Email addresses and `sk-…` API keys. One split across two events is not caught. */
const SECRET = /sk-[\w-]{16,}|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g

/** Counts per response, keyed by the ctx object, which is the same for all of a response's calls. */
const counts = new WeakMap<object, { events: number; redacted: number }>()

export default defineConfig({
  port: 8080,
  routes: [
    {
      name: 'stream',
      path: '/api/stream',
      target: 'http://localhost:3000',
      // 0, the default, said out loud: a model may pause for seconds between tokens, and any
      // limit on the gap between chunks would cut a slow answer off mid-sentence.
      idleMs: 0,
      transform: {
        event(e, ctx) {
          // `event: ping` keeps the connection open; the page has no use for it. (Comment lines
          // such as `: keep-alive` are not events: they pass through as they are.)
          if (e.event === 'ping' || e.event === 'heartbeat') return null
          const seen = counts.get(ctx) ?? { events: 0, redacted: 0 }
          counts.set(ctx, seen)
          seen.events += 1
          const data = e.data.replace(SECRET, () => {
            seen.redacted += 1
            return '[redacted]'
          })
          return { ...e, data }
        },
        end(ctx) {
          // end runs for any body on this route (a JSON error too): only a stream that sent
          // events gets the summary.
          const seen = counts.get(ctx)
          if (seen === undefined) return
          return [{ event: 'done', data: JSON.stringify(seen) }]
        },
      },
    },
    {
      name: 'api',
      path: '/api',
      target: 'http://localhost:3000',
    },
  ],
})
