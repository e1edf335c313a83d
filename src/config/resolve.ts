import { ConfigError } from '../errors.js'
import { DEFAULT_HOST, DEFAULT_MAX_REQUEST_BODY_BYTES, DEFAULT_PORT, DEFAULT_TIMEOUT_MS } from './defaults.js'
import { parseTarget } from './target.js'
import type { HeaderRules, ResolvedConfig, ResolvedRoute, UserConfig, UserRoute } from './types.js'

/**
 * Applies defaults and checks the values the engine cannot run without. The result is
 * frozen: a running proxy swaps whole configs, it never edits one in place.
 */
export function resolveConfig(user: UserConfig, file?: string): ResolvedConfig {
  if (user === null || typeof user !== 'object') {
    throw new ConfigError('the config must export an object: export default defineConfig({ routes: [...] })')
  }
  if (!Array.isArray(user.routes) || user.routes.length === 0) {
    throw new ConfigError('routes must be a non-empty array, e.g. routes: [{ path: "/", target: "http://localhost:3000" }]')
  }
  const routes = user.routes.map((route, index) => resolveRoute(route, `routes[${index}]`))
  const names = new Map<string, number>()
  routes.forEach((route, index) => {
    const first = names.get(route.name)
    if (first !== undefined) {
      throw new ConfigError(`routes[${index}].name "${route.name}" is already used by routes[${first}]; give each route a distinct name`)
    }
    names.set(route.name, index)
  })
  return Object.freeze({
    port: checkPort(user.port ?? DEFAULT_PORT, 'port'),
    host: user.host ?? DEFAULT_HOST,
    routes: Object.freeze(routes),
    file,
  })
}

function resolveRoute(route: UserRoute, where: string): ResolvedRoute {
  if (route === null || typeof route !== 'object') throw new ConfigError(`${where} must be an object`)
  const path = normalizePrefix(route.path ?? '/', `${where}.path`)
  checkType(route.name, 'string', `${where}.name`)
  checkType(route.host, 'string', `${where}.host`)
  checkType(route.rewrite, 'function', `${where}.rewrite`)
  if (route.methods !== undefined && (!Array.isArray(route.methods) || route.methods.some((m) => typeof m !== 'string'))) {
    throw new ConfigError(`${where}.methods must be an array of method names such as ["GET", "POST"] (got ${JSON.stringify(route.methods)})`)
  }
  const rawTargets = Array.isArray(route.target) ? route.target : [route.target]
  if (rawTargets.length === 0) throw new ConfigError(`${where}.target must name at least one URL`)
  const targets = rawTargets.map((t, i) => parseTarget(t, Array.isArray(route.target) ? `${where}.target[${i}]` : `${where}.target`))
  return Object.freeze({
    name: route.name ?? nameFromPath(path),
    path,
    host: route.host?.toLowerCase(),
    methods: route.methods ? Object.freeze(route.methods.map((m) => m.toUpperCase())) : undefined,
    targets: Object.freeze(targets),
    stripPrefix: route.stripPrefix ?? false,
    rewrite: route.rewrite,
    changeOrigin: route.changeOrigin ?? false,
    ws: route.ws ?? true,
    timeoutMs: checkPositive(route.timeoutMs ?? DEFAULT_TIMEOUT_MS, `${where}.timeoutMs`),
    requestHeaders: Object.freeze(lowerKeys(route.headers?.request)),
    responseHeaders: Object.freeze(lowerKeys(route.headers?.response)),
    maxRequestBodyBytes: checkPositive(route.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES, `${where}.maxRequestBodyBytes`),
  })
}

function normalizePrefix(path: string, where: string): string {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new ConfigError(`${where} must start with "/" (got ${JSON.stringify(path)})`)
  }
  if (path.includes('?') || path.includes('#')) throw new ConfigError(`${where} must be a path without query or fragment`)
  const trimmed = path.replace(/\/+$/, '')
  return trimmed === '' ? '/' : trimmed
}

/** `/api/v1` → `api/v1`, `/` → `root`. */
export function nameFromPath(path: string): string {
  return path === '/' ? 'root' : path.slice(1)
}

function checkType(value: unknown, type: 'string' | 'function', where: string): void {
  if (value !== undefined && typeof value !== type) {
    throw new ConfigError(`${where} must be a ${type} (got ${typeof value === 'function' ? 'a function' : JSON.stringify(value)})`)
  }
}

function lowerKeys(rules: HeaderRules | undefined): HeaderRules {
  const out: HeaderRules = {}
  for (const [key, value] of Object.entries(rules ?? {})) out[key.toLowerCase()] = value
  return out
}

function checkPort(value: number, where: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new ConfigError(`${where} must be an integer from 0 to 65535 (got ${JSON.stringify(value)})`)
  }
  return value
}

function checkPositive(value: number, where: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${where} must be a positive integer (got ${JSON.stringify(value)})`)
  }
  return value
}
