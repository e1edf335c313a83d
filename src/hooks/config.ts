import { MAX_TIMER_MS, must, positiveInteger } from '../config/checks.js'
import { describeCode } from '../config/diff.js'
import type { ConfigFeature } from '../config/feature.js'

/** A route's own code (hooks, mocks' respond, transforms) gets this long per call. */
export const DEFAULT_HOOK_TIMEOUT_MS = 5_000

/**
 * The route fields of proxy.config.ts that src/hooks runs (types: config-types.ts): `onRequest`,
 * `onResponse`, and the time limit on every call of a route's code. Reloads swap them in.
 */
export const hooksConfig: ConfigFeature<never, 'onRequest' | 'onResponse' | 'hookTimeoutMs'> = {
  name: 'hooks',
  route: {
    fields: {
      onRequest: must('must be a function of the request, e.g. (ctx) => { ctx.headers.authorization = "Bearer dev" }', (value) => typeof value === 'function'),
      onResponse: must('must be a function of the response, e.g. (ctx) => { ctx.headers["cache-control"] = "no-store" }', (value) => typeof value === 'function'),
      hookTimeoutMs: positiveInteger(MAX_TIMER_MS),
    },
    resolve: (route) => ({ onRequest: route.onRequest, onResponse: route.onResponse, hookTimeoutMs: route.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS }),
    rows: {
      onRequest: [['onRequest', (route) => describeCode(route.onRequest)]],
      onResponse: [['onResponse', (route) => describeCode(route.onResponse)]],
      hookTimeoutMs: [['hookTimeoutMs', (route) => String(route.hookTimeoutMs)]],
    },
  },
  types: [{ url: new URL('./config-types', import.meta.url) }],
}
