import { targetLabels } from './route-targets.js'
import type { FaultSpec } from '../faults/types.js'
import type { CookieRewrite, HeaderRules, ResolvedConfig, ResolvedRetry, ResolvedRoute } from './types.js'

/**
 * What a reload changed: every field of every route (routes are matched by name), and every
 * setting outside the routes. Pure; the log renders it.
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
type Fields<T> = ReadonlyArray<readonly [field: string, describe: Describe<T>]>

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

/** Every field of a route, named as the config writes it; keyed by ResolvedRoute for the same reason. */
const ROUTE: { readonly [K in Exclude<keyof ResolvedRoute, 'name'>]: Fields<ResolvedRoute> } = {
  path: [['path', (r) => r.path]],
  host: [['host', (r) => r.host ?? 'any']],
  methods: [['methods', (r) => r.methods?.join(',') ?? 'any']],
  targets: [['target', (r) => (r.chooseTarget ? code(r.chooseTarget) : r.targets.map((t) => t.origin + pathOf(t)).join(', '))]],
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
  retryFor: [['retry', (r) => code(r.retryFor)]],
  onRequest: [['onRequest', (r) => code(r.onRequest)]],
  onResponse: [['onResponse', (r) => code(r.onResponse)]],
  transform: [
    ['transform.event', (r) => code(r.transform?.event)],
    ['transform.chunk', (r) => code(r.transform?.chunk)],
    ['transform.end', (r) => code(r.transform?.end)],
  ],
  mocks: [['mock', (r) => describeMocks(r.mocks)]],
  hookTimeoutMs: [['hookTimeoutMs', (r) => String(r.hookTimeoutMs)]],
  baseDir: [], // follows the config file, which a reload never changes
  // The ca file's contents are compared too, in compareRoutes.
  tls: [
    ['secure', (r) => String(r.tls.rejectUnauthorized)],
    ['ca', (r) => r.tls.caFile ?? 'none'],
  ],
}
const ROUTE_FIELDS: Fields<ResolvedRoute> = Object.values(ROUTE).flat()

/** A function, by its source: an edit to a hook shows as a change (hooks are swapped with the config either way). */
function code(fn: ((...args: never[]) => unknown) | undefined): string {
  return fn === undefined ? 'none' : fn.toString()
}

/** Mocks by their data, functions by their source. */
function describeMocks(mocks: ResolvedRoute['mocks']): string {
  if (mocks.length === 0) return 'none'
  return JSON.stringify(mocks, (_key, value: unknown) => (typeof value === 'function' ? value.toString() : value instanceof Uint8Array ? `<${value.length} bytes>` : value))
}

type Settings = Pick<ResolvedConfig, 'faults' | 'log' | 'record'>

/** The settings outside the routes, and whether a reload puts them in force (the faults do: engine.swap). */
const SETTINGS: { readonly [K in keyof Settings]: { readonly live: boolean; readonly fields: { readonly [F in keyof Settings[K]]: Describe<Settings[K]> } } } = {
  faults: { live: true, fields: { rules: (f) => (f.rules.length === 0 ? 'none' : f.rules.map(describeFault).join('; ')), allowHeader: (f) => String(f.allowHeader) } },
  // The log and the recorder are set up once, at start.
  log: { live: false, fields: { diff: (l) => l.diff, ignore: (l) => list(l.ignore) } },
  record: { live: false, fields: { redact: (r) => list(r.redact), maxBodyBytes: (r) => String(r.maxBodyBytes) } },
}

export function diffConfigs(before: ResolvedConfig, after: ResolvedConfig): ConfigChange[] {
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
    const fields = compareRoutes(previous, route)
    if (fields.length > 0) changes.push({ kind: 'changed', route: route.name, fields })
  }
  changes.push(...compareSettings(before, after))
  return changes
}

function describeCookieRule(rule: CookieRewrite | undefined): string {
  return rule === undefined ? 'false' : JSON.stringify(rule)
}

function describeHttps(config: ResolvedConfig): string {
  if (config.https === undefined) return 'off'
  return config.https.port === undefined ? 'on' : `port ${config.https.port}`
}

function compareRoutes(before: ResolvedRoute, after: ResolvedRoute): FieldChange[] {
  const fields = compareFields(ROUTE_FIELDS, before, after)
  const { caFile, ca } = after.tls
  if (caFile !== undefined && caFile === before.tls.caFile && ca !== before.tls.ca) {
    fields.push({ field: 'ca', before: caFile, after: `${caFile} (its certificates changed)` })
  }
  return fields
}

function compareSettings(before: Settings, after: Settings): ConfigChange[] {
  return (Object.keys(SETTINGS) as Array<keyof Settings>).flatMap((name) => {
    const { live, fields } = SETTINGS[name]
    const described: Fields<Settings[typeof name]> = Object.entries(fields).map(([key, describe]) => [key === 'rules' ? name : `${name}.${key}`, describe])
    return compareFields(described, before[name], after[name]).map((change) => ({ kind: live ? 'setting' : 'restart', ...change }) as const)
  })
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

/** `5xx rate=0.3 route=api`: the kind, then each field as given. */
function describeFault(fault: FaultSpec): string {
  const fields = Object.entries(fault)
    .filter(([key, value]) => key !== 'kind' && value !== undefined)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
  return [fault.kind, ...fields].join(' ')
}

function describeRules(rules: Readonly<HeaderRules>): string {
  const entries = Object.entries(rules)
  if (entries.length === 0) return 'none'
  return entries.map(([name, value]) => (value === null ? `-${name}` : `${name}: ${value}`)).join('; ')
}
