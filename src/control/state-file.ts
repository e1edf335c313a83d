import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rmdir, unlink } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { ControlError } from '../errors.js'

/**
 * `.devproxy/proxies/<pid>-<port>.json`: how `devproxy fault` and `devproxy status` find the
 * proxies running for a project. One file per proxy, so several proxies started from the same
 * directory (start, record, replay) never overwrite or delete each other's: each writes and
 * removes only its own, and there is no shared file to lock. Each holds that proxy's control
 * token, so it is readable by its owner only.
 */

export const STATE_DIR = '.devproxy'
export const PROXIES_DIR = 'proxies'
/** An entry's name; anything else in the directory (a half-written `.tmp`) is not one. */
const ENTRY_NAME = /^\d+-\d+\.json$/

export interface ProxyState {
  readonly pid: number
  /** The proxy's main URL, as bound: `http://…`, or `https://…` when that port speaks HTTPS. Names the entry. */
  readonly url: string
  /**
   * Every URL the proxy listens on, the main one first (`--https-port` adds its HTTPS one).
   * Absent from entries written before it was added: read them as `[url]` (proxyUrls).
   */
  readonly urls?: readonly string[]
  /** The control API, always `http://127.0.0.1:PORT`. */
  readonly controlUrl: string
  readonly token: string
  /** Absent for `--target` and `--demo`. */
  readonly configFile?: string
  /** Epoch ms. */
  readonly startedAt: number
  /** The command that runs it: `start`, `record` or `replay`. */
  readonly command: string
  /** Forward mode: the intercept CA's certificate file, for `devproxy run` and clients to trust. */
  readonly interceptCaPath?: string
  /** Forward mode: on (`outbound` in force). */
  readonly forward?: boolean
}

export type ParsedState = { readonly ok: true; readonly state: ProxyState } | { readonly ok: false; readonly problem: string }

export interface FoundState {
  readonly file: string
  readonly state: ProxyState
  /** Whether its process still exists. A dead one means a proxy that did not stop cleanly. */
  readonly alive: boolean
}

/** An entry that could not be read (corrupt, or written by a devproxy that writes another format). */
export interface UnreadableEntry {
  readonly file: string
  /** Why, naming the file: `… is not a devproxy state file: it is not valid JSON`. */
  readonly problem: string
  /** What to do about it: the `rm` line. */
  readonly suggestion: string
}

/** The entries of the nearest directory that has any. */
export interface FoundStates {
  /** The directory holding `.devproxy/`. */
  readonly dir: string
  /** By proxy port. */
  readonly entries: readonly FoundState[]
  /**
   * Entries that could not be read: skipped, never failing the others. Left on disk (a devproxy
   * of another version may still be using one); the caller reports each with its `rm` line.
   */
  readonly unreadable: readonly UnreadableEntry[]
}

/** `DIR/.devproxy/proxies`. */
export function proxiesDir(dir: string): string {
  return join(dir, STATE_DIR, PROXIES_DIR)
}

/** The entry of the proxy `state` describes: `DIR/.devproxy/proxies/<pid>-<port>.json`. */
export function entryPath(dir: string, state: Pick<ProxyState, 'pid' | 'url'>): string {
  return join(proxiesDir(dir), `${state.pid}-${proxyPort(state)}.json`)
}

/** The port the proxy listens on, from its main URL. */
export function proxyPort(state: Pick<ProxyState, 'url'>): number {
  return portOf(state.url)
}

/** Every URL the proxy listens on, the main one first; `[url]` for an entry written before `urls` was. */
export function proxyUrls(state: Pick<ProxyState, 'url' | 'urls'>): readonly string[] {
  return state.urls !== undefined && state.urls.length > 0 ? state.urls : [state.url]
}

/** Every port the proxy listens on, the main one first. */
export function proxyPorts(state: Pick<ProxyState, 'url' | 'urls'>): number[] {
  return proxyUrls(state).map(portOf)
}

/** `https://127.0.0.1:8443` → 8443; a URL without a port has its scheme's (RFC 9110 §4.2). */
export function portOf(url: string): number {
  const parsed = new URL(url)
  if (parsed.port !== '') return Number(parsed.port)
  return parsed.protocol === 'https:' ? 443 : 80
}

/** Checks the file's JSON. Pure: the caller turns a problem into an error naming the file. */
export function parseState(text: string): ParsedState {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, problem: 'it is not valid JSON' }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, problem: 'it is not a JSON object' }
  const v = value as Record<string, unknown>
  if (!Number.isInteger(v.pid) || (v.pid as number) <= 0) return { ok: false, problem: '"pid" must be a positive integer' }
  if (!isProxyUrl(v.url)) return { ok: false, problem: '"url" must be an http:// or https:// URL' }
  if (v.urls !== undefined && (!Array.isArray(v.urls) || v.urls.length === 0 || !v.urls.every(isProxyUrl))) {
    return { ok: false, problem: '"urls" must be a list of http:// or https:// URLs' }
  }
  // The token is only ever sent to loopback, whatever the file says.
  if (!isLoopbackControlUrl(v.controlUrl)) return { ok: false, problem: '"controlUrl" must be http://127.0.0.1:PORT' }
  if (typeof v.token !== 'string' || !/^[A-Za-z0-9_-]{16,}$/.test(v.token)) return { ok: false, problem: '"token" must be a base64url string' }
  if (v.configFile !== undefined && (typeof v.configFile !== 'string' || v.configFile === '')) return { ok: false, problem: '"configFile" must be a path' }
  if (typeof v.startedAt !== 'number' || !Number.isFinite(v.startedAt)) return { ok: false, problem: '"startedAt" must be a time in epoch ms' }
  if (typeof v.command !== 'string' || !/^[a-z][a-z-]*$/.test(v.command)) return { ok: false, problem: '"command" must be a command name such as "start"' }
  const state: ProxyState = {
    pid: v.pid as number,
    url: v.url as string,
    ...(v.urls === undefined ? {} : { urls: [...(v.urls as string[])] }),
    controlUrl: v.controlUrl as string,
    token: v.token,
    startedAt: v.startedAt,
    command: v.command,
    ...(typeof v.interceptCaPath === 'string' && v.interceptCaPath !== '' ? { interceptCaPath: v.interceptCaPath } : {}),
    ...(v.forward === true ? { forward: true } : {}),
  }
  return { ok: true, state: v.configFile === undefined ? state : { ...state, configFile: v.configFile as string } }
}

/** Where a proxy listens: plain HTTP, or HTTPS (`start --https`, `--https-port`). */
function isProxyUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    const { protocol } = new URL(value)
    return protocol === 'http:' || protocol === 'https:'
  } catch {
    return false
  }
}

function isLoopbackControlUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    const url = new URL(value)
    return url.protocol === 'http:' && url.hostname === '127.0.0.1' && url.port !== '' && url.pathname === '/'
  } catch {
    return false
  }
}

export async function readState(file: string): Promise<ProxyState> {
  const parsed = parseState(await readFile(file, 'utf8'))
  if (!parsed.ok) throw unreadableError(file, parsed.problem)
  return parsed.state
}

function unreadableError(file: string, problem: string): ControlError {
  return new ControlError('state_invalid', `${file} is not a devproxy state file: ${problem}`, {
    suggestion: `Delete it (rm ${file}); each devproxy writes its own entry again when it starts.`,
  })
}

/**
 * Writes this proxy's entry atomically (a reader never sees half a file), mode 0600 in a 0700
 * directory. Returns the file. An entry with the same name can only be a leftover of a dead
 * process that had this pid, so it is replaced.
 */
export async function writeState(dir: string, state: ProxyState): Promise<string> {
  const file = entryPath(dir, state)
  const text = `${JSON.stringify(state, null, 2)}\n`
  try {
    await writeAtomically(file, text)
  } catch (error) {
    // Another proxy stopping here removed the emptied directory between our mkdir and open.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    await writeAtomically(file, text)
  }
  return file
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  const tmp = join(dirname(file), `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(tmp, 'wx', 0o600)
  try {
    await handle.writeFile(text)
  } finally {
    await handle.close()
  }
  try {
    await rename(tmp, file)
  } catch (error) {
    await unlink(tmp).catch(() => {})
    throw error
  }
}

/**
 * Removes this proxy's entry, if it is still the one it wrote (same pid and token): never
 * another proxy's. `.devproxy/proxies` and `.devproxy` go too when nothing else is in them.
 */
export async function removeState(dir: string, owner: Pick<ProxyState, 'pid' | 'url' | 'token'>): Promise<void> {
  await removeEntry(entryPath(dir, owner), owner)
}

/**
 * Removes an entry whose proxy is gone (dead pid, or nothing answers on its control port),
 * unless a new proxy has written the same file since.
 */
export async function removeStaleEntry(found: FoundState): Promise<void> {
  await removeEntry(found.file, found.state)
}

async function removeEntry(file: string, owner: Pick<ProxyState, 'pid' | 'token'>): Promise<void> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  const parsed = parseState(text)
  if (!parsed.ok || parsed.state.pid !== owner.pid || parsed.state.token !== owner.token) return
  await unlink(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error
  })
  // rmdir fails while anything is left: another proxy's entry, or the user's files.
  await rmdir(dirname(file)).catch(() => {})
  await rmdir(dirname(dirname(file))).catch(() => {})
}

/**
 * Looks for `.devproxy/proxies/*.json` in `startDir`, then each parent up to the filesystem
 * root; returns every entry of the nearest directory that has any, each checked for a live pid.
 */
export async function findStates(startDir: string): Promise<FoundStates | undefined> {
  for (let dir = resolve(startDir); ; dir = dirname(dir)) {
    const { entries, unreadable } = await readEntries(dir)
    if (entries.length > 0 || unreadable.length > 0) return { dir, entries, unreadable }
    if (dirname(dir) === dir) return undefined
  }
}

async function readEntries(dir: string): Promise<{ entries: FoundState[]; unreadable: UnreadableEntry[] }> {
  let names: string[]
  try {
    names = await readdir(proxiesDir(dir))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return { entries: [], unreadable: [] }
    throw error
  }
  const found: FoundState[] = []
  const unreadable: UnreadableEntry[] = []
  for (const name of names.filter((n) => ENTRY_NAME.test(n)).sort()) {
    const file = join(proxiesDir(dir), name)
    let state: ProxyState
    try {
      state = await readState(file)
    } catch (error) {
      // Its proxy stopped between readdir and now.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
      // One bad entry must not hide the proxies beside it.
      const problem = error instanceof ControlError ? error.message : `cannot read ${file}: ${(error as Error).message}`
      unreadable.push({ file, problem, suggestion: `Delete it (rm ${file}); each devproxy writes its own entry again when it starts.` })
      continue
    }
    found.push({ file, state, alive: isProcessAlive(state.pid) })
  }
  return { entries: found.sort((a, b) => proxyPort(a.state) - proxyPort(b.state) || a.state.pid - b.state.pid), unreadable }
}

/** Signal 0 checks that a process exists; EPERM means it does, owned by another user. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
