import type { HeaderRules, ResolvedConfig, ResolvedRoute } from './types.js'

/**
 * What a reload changed, route by route (routes are matched by name). Pure; the log renders it.
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
  | { readonly kind: 'listen'; readonly field: 'port' | 'host'; readonly before: string; readonly after: string }

type Describe = (route: ResolvedRoute) => string

const FIELDS: ReadonlyArray<readonly [string, Describe]> = [
  ['path', (r) => r.path],
  ['host', (r) => r.host ?? 'any'],
  ['methods', (r) => r.methods?.join(',') ?? 'any'],
  ['target', (r) => r.targets.map((t) => t.origin + pathOf(t)).join(', ')],
  ['stripPrefix', (r) => String(r.stripPrefix)],
  ['rewrite', (r) => (r.rewrite ? r.rewrite.toString() : 'none')],
  ['changeOrigin', (r) => String(r.changeOrigin)],
  ['ws', (r) => String(r.ws)],
  ['timeoutMs', (r) => String(r.timeoutMs)],
  ['headers.request', (r) => describeRules(r.requestHeaders)],
  ['headers.response', (r) => describeRules(r.responseHeaders)],
  ['maxRequestBodyBytes', (r) => String(r.maxRequestBodyBytes)],
  ['secure', (r) => String(r.tls.rejectUnauthorized)],
  ['ca', (r) => r.tls.caFile ?? 'none'],
]

export function diffConfigs(before: ResolvedConfig, after: ResolvedConfig): ConfigChange[] {
  const changes: ConfigChange[] = []
  for (const field of ['port', 'host'] as const) {
    if (before[field] !== after[field]) changes.push({ kind: 'listen', field, before: String(before[field]), after: String(after[field]) })
  }
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
  return changes
}

function compareRoutes(before: ResolvedRoute, after: ResolvedRoute): FieldChange[] {
  const fields: FieldChange[] = []
  for (const [field, describe] of FIELDS) {
    const was = describe(before)
    const now = describe(after)
    if (was !== now) fields.push({ field, before: was, after: now })
  }
  return fields
}

/** `/api → http://localhost:3000` */
export function summarizeRoute(route: ResolvedRoute): string {
  const host = route.host ? `${route.host} ` : ''
  return `${host}${route.path} → ${route.targets.map((t) => t.origin + pathOf(t)).join(', ')}`
}

function pathOf(target: URL): string {
  return target.pathname === '/' ? '' : target.pathname
}

function describeRules(rules: Readonly<HeaderRules>): string {
  const entries = Object.entries(rules)
  if (entries.length === 0) return 'none'
  return entries.map(([name, value]) => (value === null ? `-${name}` : `${name}: ${value}`)).join('; ')
}
