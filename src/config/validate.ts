import {
  boolean,
  checkObject,
  child,
  isPlainObject,
  issue,
  issueAt,
  listOf,
  MAX_TIMER_MS,
  methodName,
  must,
  nonEmptyString,
  nonNegativeInteger,
  objectOf,
  oneOf,
  positiveInteger,
  TOKEN,
  type Check,
  type ConfigIssue,
  type Shape,
} from './checks.js'
import { didYouMean } from './did-you-mean.js'
import { DEFAULT_RETRY } from './defaults.js'
import { isKnownMethod } from './http-method.js'
import type { ConfigFeatures, RouteSelector } from './feature.js'
import { nameFromPath, normalizePrefix } from './route-path.js'
import { checkTarget } from './target.js'

export type { ConfigIssue } from './checks.js'

/**
 * Checks what `proxy.config.ts` exported before anything runs on it. A `.js` config (or a
 * `.ts` one loaded without type-checking) can hold any value, so every field is checked here
 * and every problem is collected, not just the first. The skeleton's fields are checked here,
 * each feature's by the checks it hands in (config/feature.ts). Pure: no I/O, nothing thrown.
 */

/** Every problem with a config, in the order the fields appear; `[]` when it is valid. */
export function validateConfig(input: unknown, features: ConfigFeatures): ConfigIssue[] {
  let issues: ConfigIssue[] = []
  checkObject(input, '', configShape(features), issues)
  // A forward proxy needs no routes of its own: outbound hosts get implicit ones (issue 30).
  if (isPlainObject(input) && Array.isArray(input.routes) && input.routes.length === 0 && input.outbound !== undefined) issues = issues.filter((found) => found.path !== 'routes')
  if (isPlainObject(input) && Array.isArray(input.routes)) {
    checkUniqueNames(input.routes, issues)
    if (issues.length === 0) {
      const routes = input.routes.map(routeSelector)
      for (const feature of features) issues.push(...(feature.checkConfig?.(input, routes) ?? []))
    }
  }
  return issues
}

/** One line per issue, `prefix: path message`, with the suggestion on an indented line below. */
export function formatIssues(issues: readonly ConfigIssue[], prefix?: string): string {
  return issues
    .map((issue) => {
      const line = [prefix ? `${prefix}:` : '', issue.path, issue.message].filter((part) => part !== '').join(' ')
      return issue.suggestion === undefined ? line : `${line}\n  → ${issue.suggestion}`
    })
    .join('\n')
}

// ---- the fields ---------------------------------------------------------------------------

const isPort = (value: unknown): boolean => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65_535
const checkUrls = listOf(checkUrl, 'must name at least one URL')

const HEADERS: Shape = {
  expected: 'must be an object such as { request: { "x-env": "dev" }, response: { "cache-control": null } }',
  fields: { request: checkHeaderRules, response: checkHeaderRules },
}

const IDEMPOTENT: readonly string[] = DEFAULT_RETRY.methods
const RETRY_CONDITIONS = ['connect-failure', 'reset', 'timeout', '5xx', 'gateway-error', '429']
const JITTERS = ['full', 'equal', 'decorrelated', 'none']
const MAX_ATTEMPTS = 10

const RETRY: Shape = {
  expected: 'must be an object such as { attempts: 3, on: ["connect-failure", "5xx"] }',
  fields: {
    attempts: positiveInteger(MAX_ATTEMPTS),
    on: listOf(checkCondition, 'must be a non-empty array of conditions such as ["connect-failure", "reset", "5xx"]'),
    baseMs: nonNegativeInteger(MAX_TIMER_MS),
    maxMs: nonNegativeInteger(MAX_TIMER_MS),
    jitter: oneOf(JITTERS),
    methods: listOf(checkRetryMethod, 'must be a non-empty array of idempotent methods such as ["GET", "PUT"]'),
    retryAfter: boolean,
    budgetMs: positiveInteger(MAX_TIMER_MS),
    maxReplayBodyBytes: nonNegativeInteger(),
  },
}

/** Problems with a retry policy a route's `retry` function returned. */
export function retryIssues(value: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  checkRetry(value, '', issues)
  return issues
}

function checkRetry(value: unknown, path: string, issues: ConfigIssue[]): void {
  checkObject(value, path, RETRY, issues)
  if (!isPlainObject(value)) return
  const { baseMs, maxMs } = value
  if (typeof baseMs === 'number' && typeof maxMs === 'number' && baseMs > maxMs) {
    issues.push(issue(child(path, 'maxMs'), `must be at least baseMs (${baseMs})`, maxMs))
  }
}

/** A retry condition: one of the named ones, or a response status. */
function checkCondition(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (typeof value === 'string' && RETRY_CONDITIONS.includes(value)) return
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 100 || value > 599) issues.push(issue(path, 'must be a status code from 100 to 599', value))
    return
  }
  const status = typeof value === 'string' && /^[1-5]\d\d$/.test(value) ? `write the status as a number: ${value}` : undefined
  const meant = typeof value === 'string' ? didYouMean(value, RETRY_CONDITIONS) : undefined
  const suggestion = status ?? (meant === undefined ? undefined : `did you mean ${JSON.stringify(meant)}?`)
  issues.push(issue(path, `must be one of ${RETRY_CONDITIONS.map((c) => JSON.stringify(c)).join(', ')} or a status code`, value, suggestion))
}

/** RFC 9110 §9.2.2: repeating a non-idempotent request may repeat its effect. */
function checkRetryMethod(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (typeof value !== 'string' || !isKnownMethod(value)) methodName(value, path, issues)
  else if (!IDEMPOTENT.includes((value as string).toUpperCase())) {
    issues.push(
      issue(path, `must be an idempotent method (${IDEMPOTENT.join(', ')})`, value, 'non-idempotent requests are retried only when the connection failed before anything was sent; that needs no setting'),
    )
  }
}

const TRANSFORM: Shape = {
  expected: 'must be an object of functions such as { event: (e) => ({ ...e, data: e.data.toUpperCase() }) }',
  fields: {
    event: must('must be a function of a server-sent event, e.g. (event) => ({ ...event, data: event.data.trim() })', (value) => typeof value === 'function'),
    chunk: must('must be a function of a body chunk, e.g. (chunk) => chunk.toString().toUpperCase()', (value) => typeof value === 'function'),
    end: must('must be a function returning what to send last, e.g. () => [{ event: "done", data: "" }]', (value) => typeof value === 'function'),
  },
}

/** The skeleton's route fields. */
const ROUTE_FIELDS: Shape['fields'] = {
  name: nonEmptyString,
  path: checkPath,
  host: checkHost,
  methods: listOf(methodName, 'must be a non-empty array of method names such as ["GET", "POST"]'),
  target: (value, path, issues) => (typeof value === 'function' ? undefined : (Array.isArray(value) ? checkUrls : checkUrl)(value, path, issues)),
  stripPrefix: boolean,
  rewrite: must('must be a function from path to path, e.g. (path) => path.replace(/^\\/v1/, "")', (value) => typeof value === 'function'),
  changeOrigin: boolean,
  ws: boolean,
  timeoutMs: positiveInteger(MAX_TIMER_MS),
  connectMs: positiveInteger(MAX_TIMER_MS),
  idleMs: nonNegativeInteger(MAX_TIMER_MS, '0 turns it off'),
  retry: (value, path, issues) => (typeof value === 'function' ? undefined : checkRetry(value, path, issues)),
  headers: objectOf(HEADERS),
  maxRequestBodyBytes: positiveInteger(),
  uploadIdleMs: positiveInteger(MAX_TIMER_MS),
  maxConnections: positiveInteger(65_536),
  maxResponseBodyBytes: positiveInteger(),
  cookieDomainRewrite: cookieRewrite('a domain such as "localhost"', '{ "api.internal": "localhost" }'),
  cookiePathRewrite: cookieRewrite('a path such as "/"', '{ "/api": "/" }'),
  secure: boolean,
  ca: nonEmptyString,
  transform: objectOf(TRANSFORM),
}

/** A route: the skeleton's fields, then each feature's. */
function routeCheck(features: ConfigFeatures): Check {
  const shape: Shape = {
    expected: 'must be an object such as { path: "/api", target: "http://localhost:3000" }',
    fields: Object.assign({}, ROUTE_FIELDS, ...features.map((feature) => feature.route?.fields ?? {})),
  }
  return (value, path, issues) => {
    checkObject(value, path, shape, issues)
    if (!isPlainObject(value)) return
    // A route some feature answers by itself (mocks) may do without a target: what it does not answer is refused (404).
    if (value.target === undefined && !features.some((feature) => feature.route?.answersWithoutTarget?.(value))) checkUrl(undefined, child(path, 'target'), issues)
    checkTlsOptions(value, path, issues)
  }
}

/** false, a string, or an object of strings (http-proxy-middleware's cookie rewrite options). */
function cookieRewrite(one: string, map: string) {
  return must(`must be false, ${one} ('' removes the attribute), or an object such as ${map}`, (value) => {
    if (value === false || typeof value === 'string') return true
    return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')
  })
}

/** `secure` and `ca` set on a route that has no https:// target would silently do nothing. */
function checkTlsOptions(route: Record<string, unknown>, path: string, issues: ConfigIssue[]): void {
  if (route.target === undefined || typeof route.target === 'function') return
  const targets = (Array.isArray(route.target) ? route.target : [route.target]).map(checkTarget)
  if (targets.length === 0 || !targets.every((t) => 'url' in t && t.url.protocol === 'http:')) return
  for (const field of ['secure', 'ca'] as const) {
    if (route[field] === undefined) continue
    issues.push(
      issue(child(path, field), 'only applies to https:// targets, and this route\'s targets are all http://', route[field], 'remove it, or use https:// in target if the upstream serves TLS'),
    )
  }
}

const HTTPS: Shape = {
  expected: 'must be true, false or an object such as { port: 8443 }',
  fields: {
    port: must('must be an integer from 0 to 65535', isPort),
  },
}

function checkHttps(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (typeof value === 'boolean') return
  objectOf(HTTPS)(value, path, issues)
}

/** The config: the skeleton's settings, then each feature's. */
function configShape(features: ConfigFeatures): Shape {
  return {
    expected: 'the config must export an object: export default defineConfig({ routes: [...] })',
    fields: Object.assign(
      {
        port: must('must be an integer from 0 to 65535', isPort),
        host: must('must be a non-empty address such as "127.0.0.1"', (value) => typeof value === 'string' && value !== ''),
        https: checkHttps,
        routes: listOf(routeCheck(features), 'must be a non-empty array', 'e.g. routes: [{ path: "/", target: "http://localhost:3000" }]'),
      },
      ...features.map((feature) => Object.fromEntries(Object.entries(feature.settings ?? {}).map(([key, setting]) => [key, setting.check]))),
    ),
    required: ['routes'],
  }
}

function checkPath(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (typeof value !== 'string') issues.push(issue(path, 'must be a string starting with "/"', value))
  else if (!value.startsWith('/')) issues.push(issue(path, 'must start with "/"', value, `did you mean ${JSON.stringify(`/${value}`)}?`))
  else if (/[?#]/.test(value)) issues.push(issue(path, 'must be a path without query or fragment', value))
  else if (/\s/.test(value)) issues.push(issue(path, 'must not contain whitespace', value))
}

const HOST_NAME = /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/i
const IPV6_LITERAL = /^\[[0-9a-f:.]+\]$/i
const isHostName = (text: string): boolean => HOST_NAME.test(text) || IPV6_LITERAL.test(text)

/** A host name or `*.suffix`, matched against the Host header without its port. */
function checkHost(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (typeof value === 'string' && isHostName(value)) return
  const bare = typeof value === 'string' ? bareHost(value) : ''
  const fix = bare !== '' && isHostName(bare) ? `write the host name only: ${bare}` : undefined
  issues.push(issue(path, 'must be a host name such as "api.localhost" or "*.localhost", without scheme or port', value, fix))
}

/** `http://api.localhost:3000/x` → `api.localhost`; `[::1]:8080` → `[::1]`. */
function bareHost(text: string): string {
  const authority = text.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0] ?? ''
  return authority.startsWith('[') ? authority.slice(0, authority.indexOf(']') + 1) : (authority.split(':')[0] ?? '')
}

function checkUrl(value: unknown, path: string, issues: ConfigIssue[]): void {
  const checked = checkTarget(value)
  if ('problem' in checked) issues.push(issueAt(path, checked.problem, checked.suggestion))
}

function checkHeaderRules(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (!isPlainObject(value)) {
    issues.push(issue(path, 'must be an object of header names to values, such as { "x-env": "dev" }', value))
    return
  }
  for (const [name, rule] of Object.entries(value)) {
    const at = child(path, name)
    if (!TOKEN.test(name)) issues.push({ path: at, message: 'is not a valid header name: use letters, digits and "-" (RFC 9110 token characters)' })
    checkHeaderValue(rule, at, issues)
  }
}

/** A value is sent as is, so a line break in it would start a header (or a body) of its own. */
function checkHeaderValue(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (value === null) return
  if (typeof value !== 'string') issues.push(issue(path, 'must be a string, or null to remove the header', value))
  else if (/[\r\n\0]/.test(value)) issues.push(issue(path, 'must be a single line: header values cannot contain line breaks (CR, LF) or NUL', value))
  else if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) issues.push(issue(path, 'must contain only printable Latin-1 characters', value))
}

/** Names show in the log and error bodies, so two routes must not share one, given or derived. */
function checkUniqueNames(routes: readonly unknown[], issues: ConfigIssue[]): void {
  const seen = new Map<string, number>()
  for (let index = 0; index < routes.length; index++) {
    const route = routes[index]
    const name = routeName(route)
    if (name === undefined) continue
    const first = seen.get(name)
    if (first === undefined) {
      seen.set(name, index)
      continue
    }
    const derivedFrom = isPlainObject(route) && route.name === undefined ? (route.path ?? '/') : undefined
    const suggestion =
      derivedFrom === undefined
        ? 'give each route a distinct name'
        : `it is the default name for path ${JSON.stringify(derivedFrom)}; set name: "..." on one of them`
    issues.push(issueAt(`routes[${index}].name`, `${JSON.stringify(name)} is already used by routes[${first}]`, suggestion))
  }
}

function routeName(route: unknown): string | undefined {
  if (!isPlainObject(route)) return undefined
  if (route.name !== undefined) return typeof route.name === 'string' && route.name !== '' ? route.name : undefined
  const path = route.path ?? '/'
  return typeof path === 'string' && path.startsWith('/') ? nameFromPath(normalizePrefix(path)) : undefined
}

/** What a feature's cross-field check knows of a route (its fields are valid by then). */
function routeSelector(route: unknown): RouteSelector {
  return { name: routeName(route) ?? '', methods: isPlainObject(route) ? (route.methods as string[] | undefined) : undefined }
}
