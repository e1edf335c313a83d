import { rootCertificates } from 'node:tls'
import { child, isPlainObject, issue, issueAt, objectOf, type ConfigIssue } from '../config/checks.js'
import type { ConfigFeature } from '../config/feature.js'
import { readCaFile } from '../config/read-ca.js'
import type { ResolvedEndpoint, ResolvedOutbound, UserConfig } from '../config/types.js'
import { ConfigValidationError } from '../errors.js'
import { bareInterceptEntry, interceptEntryProblem } from './intercept-list.js'
import { parseResolveAddress } from './resolve-entry.js'

/**
 * The `outbound` setting of proxy.config.ts (types: config-types.ts; what the engine reads:
 * `ResolvedOutbound`, config/types.ts). Read once at start: the listeners, the intercept CA and
 * the open-proxy check are set up from it, so a reload that changes it waits for a restart.
 */
export const outboundConfig: ConfigFeature<'outbound'> = {
  name: 'outbound',
  settings: {
    outbound: {
      check: objectOf({
        expected: "must be an object such as { intercept: ['api.example.test'], resolve: { 'api.example.test': '127.0.0.1:9443' } }",
        fields: { intercept: checkIntercept, resolve: checkResolve, ca: checkCaList, forward: checkBoolean, allowOpenProxy: checkBoolean },
      }),
      resolve: (user, { baseDir }) => resolveOutbound(user.outbound, baseDir),
      reload: 'restart',
      rows: [
        ['outbound', (outbound) => (outbound === undefined ? 'off' : 'on')],
        ['outbound.intercept', (outbound) => (outbound === undefined || outbound.intercept.length === 0 ? 'none' : outbound.intercept.join(', '))],
        ['outbound.resolve', (outbound) => describeResolve(outbound?.resolve)],
        ['outbound.ca', (outbound) => (outbound === undefined || outbound.caFiles.length === 0 ? 'none' : outbound.caFiles.join(', '))],
        ['outbound.allowOpenProxy', (outbound) => String(outbound?.allowOpenProxy ?? false)],
      ],
    },
  },
  types: [{ url: new URL('./config-types', import.meta.url) }],
}

/** Forward mode is on when `outbound` is there, unless it says `forward: false` with nothing to intercept. */
export function resolveOutbound(outbound: UserConfig['outbound'], baseDir: string): ResolvedOutbound | undefined {
  if (outbound === undefined) return undefined
  const intercept = [...new Set((outbound.intercept ?? []).map((entry) => entry.toLowerCase()))]
  if (outbound.forward === false && intercept.length === 0) return undefined
  // No prototype: a host named `constructor` is looked up as any other.
  const resolve: Record<string, ResolvedEndpoint> = Object.create(null) as Record<string, ResolvedEndpoint>
  for (const [name, address] of Object.entries(outbound.resolve ?? {})) resolve[name.toLowerCase()] = parseResolveAddress(address) as ResolvedEndpoint
  const caFiles = outbound.ca ?? []
  const issues: ConfigIssue[] = []
  const pems = caFiles.map((file, index) => {
    const read = readCaFile(file, baseDir)
    if ('pem' in read) return read.pem
    issues.push(issueAt(`outbound.ca[${index}]`, read.problem, read.suggestion))
    return ''
  })
  if (issues.length > 0) throw new ConfigValidationError(issues)
  return Object.freeze({
    intercept: Object.freeze(intercept),
    resolve: Object.freeze(resolve),
    // Node's `ca` replaces the system's CAs: the extra ones are added to them, as a client would.
    ca: pems.length === 0 ? undefined : [...rootCertificates, ...pems].join('\n'),
    caFiles: Object.freeze([...caFiles]),
    allowOpenProxy: outbound.allowOpenProxy ?? false,
  })
}

function checkBoolean(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (typeof value !== 'boolean') issues.push(issue(path, 'must be true or false', value))
}

function checkIntercept(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (!Array.isArray(value)) {
    issues.push(issue(path, "must be an array of host names such as ['api.example.test', '*.openai.com']", value))
    return
  }
  value.forEach((entry: unknown, index) => {
    const at = child(path, index)
    if (typeof entry !== 'string') {
      issues.push(issue(at, 'must be a host name such as "api.example.test"', entry))
      return
    }
    const problem = interceptEntryProblem(entry)
    if (problem === undefined) return
    const bare = bareInterceptEntry(entry)
    issues.push(issue(at, problem, entry, bare !== entry && interceptEntryProblem(bare) === undefined ? `did you mean ${JSON.stringify(bare)}?` : undefined))
  })
}

function checkResolve(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (!isPlainObject(value)) {
    issues.push(issue(path, "must be an object such as { 'api.example.test': '127.0.0.1:9443' }", value))
    return
  }
  for (const [name, address] of Object.entries(value)) {
    const at = child(path, name)
    const nameProblem = interceptEntryProblem(name)
    if (nameProblem !== undefined || name.startsWith('*.')) issues.push(issueAt(at, `the key ${JSON.stringify(name)} must be a host name such as "api.example.test" (no wildcard, scheme or port)`, undefined))
    if (typeof address !== 'string') {
      issues.push(issue(at, 'must be "ADDRESS:PORT", such as "127.0.0.1:9443"', address))
      continue
    }
    const parsed = parseResolveAddress(address)
    if (typeof parsed === 'string') {
      const withPort = /^[^:]+$/.test(address.trim()) ? `did you mean ${JSON.stringify(`${address.trim()}:443`)}?` : undefined
      issues.push(issue(at, parsed, address, withPort))
    }
  }
}

function checkCaList(value: unknown, path: string, issues: ConfigIssue[]): void {
  const list = typeof value === 'string' ? undefined : value
  if (!Array.isArray(list) || list.some((file) => typeof file !== 'string' || file === '')) {
    issues.push(issue(path, "must be an array of PEM file paths such as ['certs/staging-ca.pem']", value, typeof value === 'string' ? `write ca: [${JSON.stringify(value)}]` : undefined))
  }
}

function describeResolve(resolve: ResolvedOutbound['resolve'] | undefined): string {
  const entries = Object.entries(resolve ?? {})
  if (entries.length === 0) return 'none'
  return entries.map(([name, to]) => `${name}=${to.host.includes(':') ? `[${to.host}]` : to.host}:${to.port}`).join(', ')
}
