import { dirname } from 'node:path'
import { ConfigValidationError } from '../errors.js'
import { DEFAULT_CONNECT_MS, DEFAULT_HOST, DEFAULT_IDLE_MS, DEFAULT_MAX_REQUEST_BODY_BYTES, DEFAULT_PORT, DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, DEFAULT_UPLOAD_IDLE_MS, DEFAULT_MAX_CONNECTIONS } from './defaults.js'
import type { ConfigFeatures } from './feature.js'
import { nameFromPath, normalizePrefix } from './route-path.js'
import { parseTarget } from './target.js'
import { readRouteCas } from './read-ca.js'
import type { HeaderRules, ResolvedConfig, ResolvedConfigSkeleton, ResolvedHttps, ResolvedRetry, ResolvedRoute, ResolvedRouteSkeleton, UserConfig, UserRetry, UserRoute } from './types.js'
import { validateConfig } from './validate.js'

/**
 * Validates a user config (every problem at once, see validate.ts), reads the routes' `ca`
 * files (relative to the config file's directory, or the cwd without a file), then applies
 * defaults: the skeleton's here, each feature's by its own `resolve` (config/feature.ts). The
 * result is frozen: a running proxy swaps whole configs, it never edits one in place.
 */
export function resolveConfig(user: UserConfig, features: ConfigFeatures, file?: string): ResolvedConfig {
  const issues = validateConfig(user, features)
  // Read even when other fields are wrong: every problem at once.
  const baseDir = file === undefined ? process.cwd() : dirname(file)
  const cas = readRouteCas(user, baseDir, issues)
  issues.push(...cas.issues)
  if (issues.length > 0) throw new ConfigValidationError(issues)
  const routes = user.routes.map((route, index): ResolvedRoute => {
    const skeleton = resolveRoute(route, `routes[${index}]`, cas.pems[index], baseDir)
    // The features' fields complete the skeleton (src/features.ts checks that every declared field has a feature resolving it).
    return Object.freeze(Object.assign(skeleton, ...features.map((feature) => feature.route?.resolve(route)))) as ResolvedRoute
  })
  const skeleton: ResolvedConfigSkeleton = {
    port: user.port ?? DEFAULT_PORT,
    host: user.host ?? DEFAULT_HOST,
    https: resolveHttps(user.https),
    routes: Object.freeze(routes),
    file,
    routeDefaults: Object.freeze(Object.assign(resolveRoute({}, 'routeDefaults', undefined, baseDir), ...features.map((feature) => feature.route?.resolve({})))) as ResolvedRoute,
  }
  const settings = features.flatMap((feature) => Object.entries(feature.settings ?? {}).map(([key, setting]) => [key, setting.resolve(user, { baseDir })] as const))
  return Object.freeze({ ...skeleton, ...Object.fromEntries(settings) }) as ResolvedConfig
}

function resolveCookieRewrites(route: UserRoute): ResolvedRoute['cookies'] {
  const domain = route.cookieDomainRewrite === false ? undefined : route.cookieDomainRewrite
  const path = route.cookiePathRewrite === false ? undefined : route.cookiePathRewrite
  if (domain === undefined && path === undefined) return undefined
  const frozen = (rule: typeof domain) => (rule === undefined || typeof rule === 'string' ? rule : Object.freeze({ ...rule }))
  return Object.freeze({ domain: frozen(domain), path: frozen(path) })
}

function resolveHttps(https: UserConfig['https']): ResolvedHttps | undefined {
  if (https === undefined || https === false) return undefined
  return Object.freeze({ port: https === true ? undefined : https.port })
}

/** The skeleton's fields of a route (not yet frozen: the features' are added to it). */
function resolveRoute(route: UserRoute, where: string, caPem: string | undefined, baseDir: string): ResolvedRouteSkeleton {
  const path = normalizePrefix(route.path ?? '/')
  const targets = route.target === undefined || typeof route.target === 'function' ? [] : Array.isArray(route.target) ? route.target : [route.target]
  return {
    name: route.name ?? nameFromPath(path),
    path,
    host: route.host?.toLowerCase(),
    methods: route.methods ? Object.freeze(route.methods.map((m) => m.toUpperCase())) : undefined,
    targets: Object.freeze(targets.map((target) => parseTarget(target, `${where}.target`))),
    stripPrefix: route.stripPrefix ?? false,
    rewrite: route.rewrite,
    changeOrigin: route.changeOrigin ?? false,
    ws: route.ws ?? true,
    timeoutMs: route.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    connectMs: route.connectMs ?? DEFAULT_CONNECT_MS,
    idleMs: route.idleMs ?? DEFAULT_IDLE_MS,
    retry: typeof route.retry === 'function' ? DEFAULT_RETRY : resolveRetry(route.retry),
    requestHeaders: Object.freeze(lowerKeys(route.headers?.request)),
    responseHeaders: Object.freeze(lowerKeys(route.headers?.response)),
    maxRequestBodyBytes: route.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES,
    uploadIdleMs: route.uploadIdleMs ?? DEFAULT_UPLOAD_IDLE_MS,
    maxConnections: route.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxResponseBodyBytes: route.maxResponseBodyBytes,
    cookies: resolveCookieRewrites(route),
    tls: Object.freeze({ rejectUnauthorized: route.secure ?? true, ca: caPem, caFile: route.ca }),
    chooseTarget: typeof route.target === 'function' ? route.target : undefined,
    retryFor: typeof route.retry === 'function' ? route.retry : undefined,
    transform: route.transform,
    baseDir,
  }
}

export function resolveRetry(retry: UserRetry | undefined): ResolvedRetry {
  if (retry === undefined) return DEFAULT_RETRY
  const on = retry.on ?? DEFAULT_RETRY.on
  const methods = retry.methods?.map((m) => m.toUpperCase()) ?? DEFAULT_RETRY.methods
  return Object.freeze({
    attempts: retry.attempts ?? DEFAULT_RETRY.attempts,
    on: Object.freeze([...on]),
    baseMs: retry.baseMs ?? DEFAULT_RETRY.baseMs,
    maxMs: retry.maxMs ?? DEFAULT_RETRY.maxMs,
    jitter: retry.jitter ?? DEFAULT_RETRY.jitter,
    methods: Object.freeze([...methods]),
    retryAfter: retry.retryAfter ?? DEFAULT_RETRY.retryAfter,
    budgetMs: retry.budgetMs ?? DEFAULT_RETRY.budgetMs,
    maxReplayBodyBytes: retry.maxReplayBodyBytes ?? DEFAULT_RETRY.maxReplayBodyBytes,
  })
}

function lowerKeys(rules: HeaderRules | undefined): HeaderRules {
  const out: HeaderRules = {}
  for (const [key, value] of Object.entries(rules ?? {})) out[key.toLowerCase()] = value
  return out
}
