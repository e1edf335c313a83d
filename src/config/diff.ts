import type { ConfigFeatures, ReloadRow } from './feature.js'
import { targetLabels } from './route-targets.js'
import type { CookieRewrite, HeaderRules, ResolvedConfig, ResolvedRetry, ResolvedRoute, ResolvedRouteSkeleton } from './types.js'

/**
 * What a reload changed: every field of every route (routes are matched by name), and every
 * setting outside the routes. The skeleton's lines are here, each feature's come with it
 * (config/feature.ts). Pure; the log renders it.
 */

export interface FieldChange {
  readonly field: string
  readonly before: string
  readonly after: string
}

export type ConfigChange =
  | { readonly kind: 'added'; readonly route: string; readonly summary: string }
  | { readonly kind: 'removed'; readonly route: string; readonly summary: string }
  | { readonly kind: 'changed'; readonly route: string; readonly fields: readonly FieldChange[] }
  /** port and host cannot change without re-binding: the proxy keeps its listener. */
  | { readonly kind: 'listen'; readonly field: 'port' | 'host' | 'https'; readonly before: string; readonly after: string }
  /** A setting outside the routes that the reload put in force (`faults`, `faults.allowHeader`). */
  | { readonly kind: 'setting'; readonly field: string; readonly before: string; readonly after: string }
  /** A setting read once at start (`log.*`, `record.*`): the running proxy keeps the one it has. */
  | { readonly kind: 'restart'; readonly field: string; readonly before: string; readonly after: string }

type Describe<T> = (value: T) => string
type Fields<T> = ReadonlyArray<ReloadRow<T>>

/** `[1, 2]` → `1, 2`; `[]` → `none`. */
const list = (values: readonly unknown[]): string => (values.length === 0 ? 'none' : values.join(', '))

/**
 * Each field of a retry policy, as `retry.<field>`. Keyed by ResolvedRetry itself: a field
 * added there without a line here does not compile, so no change can go unreported.
 */
const RETRY: { readonly [K in keyof ResolvedRetry]: Describe<ResolvedRetry> } = {
  attempts: (r) => String(r.attempts),
  on: (r) => list(r.on),
  baseMs: (r) => String(r.baseMs),
  maxMs: (r) => String(r.maxMs),
  jitter: (r) => r.jitter,
  methods: (r) => list(r.methods),
  retryAfter: (r) => String(r.retryAfter),
  budgetMs: (r) => (r.budgetMs === undefined ? 'none' : String(r.budgetMs)),
  maxReplayBodyBytes: (r) => String(r.maxReplayBodyBytes),
}

/** Every field of the route skeleton, named as the config writes it; keyed by it for the same reason. */
const ROUTE: { readonly [K in Exclude<keyof ResolvedRouteSkeleton, 'name'>]: Fields<ResolvedRoute> } = {
  path: [['path', (r) => r.path]],
  host: [['host', (r) => r.host ?? 'any']],
  methods: [['methods', (r) => r.methods?.join(',') ?? 'any']],
  targets: [['target', (r) => (r.chooseTarget ? describeCode(r.chooseTarget) : r.targets.map((t) => t.origin + pathOf(t)).join(', '))]],
  stripPrefix: [['stripPrefix', (r) => String(r.stripPrefix)]],
  rewrite: [['rewrite', (r) => (r.rewrite ? r.rewrite.toString() : 'none')]],
  changeOrigin: [['changeOrigin', (r) => String(r.changeOrigin)]],
  ws: [['ws', (r) => String(r.ws)]],
  timeoutMs: [['timeoutMs', (r) => String(r.timeoutMs)]],
  connectMs: [['connectMs', (r) => String(r.connectMs)]],
  idleMs: [['idleMs', (r) => String(r.idleMs)]],
  retry: Object.entries(RETRY).map(([key, describe]: [string, Describe<ResolvedRetry>]) => [`retry.${key}`, (r: ResolvedRoute) => describe(r.retry)] as const),
  requestHeaders: [['headers.request', (r) => describeRules(r.requestHeaders)]],
  responseHeaders: [['headers.response', (r) => describeRules(r.responseHeaders)]],
  maxRequestBodyBytes: [['maxRequestBodyBytes', (r) => String(r.maxRequestBodyBytes)]],
  uploadIdleMs: [['uploadIdleMs', (r) => String(r.uploadIdleMs)]],
  maxConnections: [['maxConnections', (r) => String(r.maxConnections)]],
  maxResponseBodyBytes: [['maxResponseBodyBytes', (r) => (r.maxResponseBodyBytes === undefined ? 'no limit' : String(r.maxResponseBodyBytes))]],
  cookies: [
    ['cookieDomainRewrite', (r) => describeCookieRule(r.cookies?.domain)],
    ['cookiePathRewrite', (r) => describeCookieRule(r.cookies?.path)],
  ],
  chooseTarget: [], // shown as target
  retryFor: [['retry', (r) => describeCode(r.retryFor)]],
  transform: [
    ['transform.event', (r) => describeCode(r.transform?.event)],
    ['transform.chunk', (r) => describeCode(r.transform?.chunk)],
    ['transform.end', (r) => describeCode(r.transform?.end)],
  ],
  baseDir: [], // follows the config file, which a reload never changes
  // The ca file's contents are compared too, in compareRoutes.
  tls: [
    ['secure', (r) => String(r.tls.rejectUnauthorized)],
    ['ca', (r) => r.tls.caFile ?? 'none'],
  ],
}
const ROUTE_FIELDS: Fields<ResolvedRoute> = Object.values(ROUTE).flat()

/** A function, by its source: an edit to route code shows as a change (it is swapped with the config either way). */
export function describeCode(fn: ((...args: never[]) => unknown) | undefined): string {
  return fn === undefined ? 'none' : fn.toString()
}

export function diffConfigs(before: ResolvedConfig, after: ResolvedConfig, features: ConfigFeatures): ConfigChange[] {
  const changes: ConfigChange[] = []
  for (const field of ['port', 'host'] as const) {
    if (before[field] !== after[field]) changes.push({ kind: 'listen', field, before: String(before[field]), after: String(after[field]) })
  }
  if (describeHttps(before) !== describeHttps(after)) changes.push({ kind: 'listen', field: 'https', before: describeHttps(before), after: describeHttps(after) })
  const old = new Map(before.routes.map((route) => [route.name, route]))
  const next = new Map(after.routes.map((route) => [route.name, route]))
  for (const route of before.routes) {
    if (!next.has(route.name)) changes.push({ kind: 'removed', route: route.name, summary: summarizeRoute(route) })
  }
  for (const route of after.routes) {
    const previous = old.get(route.name)
    if (!previous) {
      changes.push({ kind: 'added', route: route.name, summary: summarizeRoute(route) })
      continue
    }
    const fields = compareRoutes(previous, route, features)
    if (fields.length > 0) changes.push({ kind: 'changed', route: route.name, fields })
  }
  changes.push(...compareSettings(before, after, features))
  return changes
}

function describeCookieRule(rule: CookieRewrite | undefined): string {
  return rule === undefined ? 'false' : JSON.stringify(rule)
}

function describeHttps(config: ResolvedConfig): string {
  if (config.https === undefined) return 'off'
  return config.https.port === undefined ? 'on' : `port ${config.https.port}`
}

/** The skeleton's fields, then each feature's. */
function compareRoutes(before: ResolvedRoute, after: ResolvedRoute, features: ConfigFeatures): FieldChange[] {
  const featureFields: Fields<ResolvedRoute> = features.flatMap((feature) => Object.values<Fields<ResolvedRoute>>(feature.route?.rows ?? {}).flat())
  const fields = compareFields(ROUTE_FIELDS, before, after)
  const { caFile, ca } = after.tls
  if (caFile !== undefined && caFile === before.tls.caFile && ca !== before.tls.ca) {
    fields.push({ field: 'ca', before: caFile, after: `${caFile} (its certificates changed)` })
  }
  return [...fields, ...compareFields(featureFields, before, after)]
}

/** The settings outside the routes, each feature's in turn: put in force by the reload (the faults: engine.swap), or waiting for a restart. */
function compareSettings(before: ResolvedConfig, after: ResolvedConfig, features: ConfigFeatures): ConfigChange[] {
  return features.flatMap((feature) =>
    Object.entries(feature.settings ?? {}).flatMap(([name, setting]) =>
      compareFields<unknown>(setting.rows, before[name as keyof ResolvedConfig], after[name as keyof ResolvedConfig]).map((change) => ({ kind: setting.reload === 'live' ? 'setting' : 'restart', ...change }) as const),
    ),
  )
}

function compareFields<T>(fields: Fields<T>, before: T, after: T): FieldChange[] {
  const changes: FieldChange[] = []
  for (const [field, describe] of fields) {
    const was = describe(before)
    const now = describe(after)
    if (was !== now) changes.push({ field, before: was, after: now })
  }
  return changes
}

/** `/api → http://localhost:3000` */
export function summarizeRoute(route: ResolvedRoute): string {
  const host = route.host ? `${route.host} ` : ''
  return `${host}${route.path} → ${targetLabels(route).join(', ')}`
}

function pathOf(target: URL): string {
  return target.pathname === '/' ? '' : target.pathname
}

function describeRules(rules: Readonly<HeaderRules>): string {
  const entries = Object.entries(rules)
  if (entries.length === 0) return 'none'
  return entries.map(([name, value]) => (value === null ? `-${name}` : `${name}: ${value}`)).join('; ')
}
