import type { ResolvedConfig, ResolvedEndpoint, ResolvedOutbound } from '../config/types.js'
import { UsageError } from '../errors.js'
import { resolveOutbound } from './config.js'
import { bareInterceptEntry, interceptEntryProblem } from './intercept-list.js'
import { parseResolveAddress, parseResolveFlag } from './resolve-entry.js'

/**
 * `devproxy start` (and `run`) flags for forward mode: `--forward`, `--intercept HOST`
 * (repeatable), `--resolve HOST=ADDRESS:PORT` (repeatable), `--allow-open-proxy`. Any of the
 * first three turns forward mode on; they add to the config's `outbound`. A bad value is one
 * UsageError (exit 2) naming the flag and the fix.
 */
export interface OutboundFlags {
  readonly forward?: boolean | undefined
  readonly intercept?: readonly string[] | undefined
  readonly resolve?: readonly string[] | undefined
  readonly allowOpenProxy?: boolean | undefined
}

/** The flags checked, before anything starts: the first problem as a UsageError. */
export function checkOutboundFlags(flags: OutboundFlags): void {
  for (const entry of flags.intercept ?? []) {
    const problem = interceptEntryProblem(entry)
    if (problem === undefined) continue
    const bare = bareInterceptEntry(entry)
    const fix = bare !== entry && interceptEntryProblem(bare) === undefined ? `Write --intercept ${bare}` : 'e.g. --intercept api.example.test or --intercept "*.openai.com"'
    throw new UsageError('invalid_flag', `--intercept ${JSON.stringify(entry)} ${problem}`, { suggestion: fix })
  }
  for (const text of flags.resolve ?? []) {
    const parsed = parseResolveFlag(text)
    if (typeof parsed === 'string') throw new UsageError('invalid_flag', `--resolve ${JSON.stringify(text)} ${parsed}`, { suggestion: 'e.g. --resolve api.example.test=127.0.0.1:9443' })
    if (parsed.name.startsWith('*.') || interceptEntryProblem(parsed.name) !== undefined) {
      throw new UsageError('invalid_flag', `--resolve ${JSON.stringify(text)}: ${JSON.stringify(parsed.name)} must be a host name such as api.example.test (no wildcard, scheme or port)`, { suggestion: 'e.g. --resolve api.example.test=127.0.0.1:9443' })
    }
    const address = parseResolveAddress(parsed.address)
    if (typeof address === 'string') {
      const withPort = /^[^:]+$/.test(parsed.address) ? `Add the port: --resolve ${parsed.name}=${parsed.address}:443` : 'e.g. --resolve api.example.test=127.0.0.1:9443'
      throw new UsageError('invalid_flag', `--resolve ${JSON.stringify(text)}: the address ${address}`, { suggestion: withPort })
    }
  }
}

/** Whether the flags ask for forward mode. */
export function wantsForwardMode(flags: OutboundFlags): boolean {
  return flags.forward === true || (flags.intercept?.length ?? 0) > 0 || (flags.resolve?.length ?? 0) > 0
}

/** The config with the flags' forward mode added to its `outbound` (flags checked already). */
export function applyOutboundFlags(config: ResolvedConfig, flags: OutboundFlags): ResolvedConfig {
  if (!wantsForwardMode(flags) && flags.allowOpenProxy !== true) return config
  const base: ResolvedOutbound | undefined = config.outbound ?? (wantsForwardMode(flags) ? resolveOutbound({}, process.cwd()) : undefined)
  if (base === undefined) return config
  const resolve: Record<string, ResolvedEndpoint> = Object.assign(Object.create(null) as Record<string, ResolvedEndpoint>, base.resolve)
  for (const text of flags.resolve ?? []) {
    const { name, address } = parseResolveFlag(text) as { name: string; address: string }
    resolve[name] = parseResolveAddress(address) as ResolvedEndpoint
  }
  const outbound: ResolvedOutbound = Object.freeze({
    ...base,
    intercept: Object.freeze([...new Set([...base.intercept, ...(flags.intercept ?? []).map((entry) => entry.toLowerCase())])]),
    resolve: Object.freeze(resolve),
    allowOpenProxy: base.allowOpenProxy || flags.allowOpenProxy === true,
  })
  return Object.freeze({ ...config, outbound })
}
