import { dirname } from 'node:path'
import { ConfigValidationError } from '../errors.js'
import { DEFAULT_CONNECT_MS, DEFAULT_RECORD_BODY_BYTES, DEFAULT_HOST, DEFAULT_IDLE_MS, DEFAULT_MAX_REQUEST_BODY_BYTES, DEFAULT_PORT, DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, DEFAULT_UPLOAD_IDLE_MS, DEFAULT_MAX_CONNECTIONS, DEFAULT_HOOK_TIMEOUT_MS } from './defaults.js'
import { nameFromPath, normalizePrefix } from './route-path.js'
import { parseTarget } from './target.js'
import { parseFaultString } from '../faults/parse.js'
import { readRouteCas } from './read-ca.js'
import type { HeaderRules, ResolvedConfig, ResolvedHttps, ResolvedFaults, ResolvedRetry, ResolvedRoute, UserConfig, UserRetry, UserRoute } from './types.js'
import { validateConfig } from './validate.js'

/**
 * Validates a user config (every problem at once, see validate.ts), reads the routes' `ca`
 * files (relative to the config file's directory, or the cwd without a file), then applies
 * defaults. The result is frozen: a running proxy swaps whole configs, it never edits one in place.
 */
export function resolveConfig(user: UserConfig, file?: string): ResolvedConfig {
  const issues = validateConfig(user)
  // Read even when other fields are wrong: every problem at once.
  const baseDir = file === undefined ? process.cwd() : dirname(file)
  const cas = readRouteCas(user, baseDir, issues)
  issues.push(...cas.issues)
  if (issues.length > 0) throw new ConfigValidationError(issues)
  return Object.freeze({
    port: user.port ?? DEFAULT_PORT,
    host: user.host ?? DEFAULT_HOST,
    https: resolveHttps(user.https),
    routes: Object.freeze(user.routes.map((route, index) => resolveRoute(route, `routes[${index}]`, cas.pems[index], baseDir))),
    faults: resolveFaults(user.faults),
    record: Object.freeze({
      redact: Object.freeze((user.record?.redact ?? []).map((name) => name.toLowerCase())),
      maxBodyBytes: user.record?.maxBodyBytes ?? DEFAULT_RECORD_BODY_BYTES,
    }),
    log: Object.freeze({ diff: user.log?.diff ?? 'none', ignore: Object.freeze([...(user.log?.ignore ?? [])]) }),
    file,
  })
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

function resolveRoute(route: UserRoute, where: string, caPem: string | undefined, baseDir: string): ResolvedRoute {
  const path = normalizePrefix(route.path ?? '/')
  const targets = route.target === undefined || typeof route.target === 'function' ? [] : Array.isArray(route.target) ? route.target : [route.target]
  return Object.freeze({
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
    onRequest: route.onRequest,
    onResponse: route.onResponse,
    transform: route.transform,
    mocks: Object.freeze(route.mock === undefined ? [] : Array.isArray(route.mock) ? [...route.mock] : [route.mock]),
    hookTimeoutMs: route.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS,
    baseDir,
  })
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

function resolveFaults(faults: UserConfig['faults']): ResolvedFaults {
  const { allowHeader = false, rules = [] } = Array.isArray(faults) ? { rules: faults } : (faults ?? {})
  const specs = rules.flatMap((rule) => (typeof rule === 'string' ? parseFaultString(rule) : [rule]))
  return Object.freeze({ allowHeader, rules: Object.freeze(specs) })
}

function lowerKeys(rules: HeaderRules | undefined): HeaderRules {
  const out: HeaderRules = {}
  for (const [key, value] of Object.entries(rules ?? {})) out[key.toLowerCase()] = value
  return out
}
