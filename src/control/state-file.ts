import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, open, readFile, rename, rmdir, unlink } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { ControlError } from '../errors.js'

/**
 * `.devproxy/state.json`: how `devproxy fault` and `devproxy status` find the proxy running
 * for a project. It holds the control API's bearer token, so it is readable by its owner only.
 */

export const STATE_DIR = '.devproxy'
export const STATE_FILE = 'state.json'

export interface ProxyState {
  readonly pid: number
  /** The proxy's own URL, as bound. */
  readonly url: string
  /** The control API, always `http://127.0.0.1:PORT`. */
  readonly controlUrl: string
  readonly token: string
  /** Absent for `--target` and `--demo`. */
  readonly configFile?: string
  /** Epoch ms. */
  readonly startedAt: number
}

export type ParsedState = { readonly ok: true; readonly state: ProxyState } | { readonly ok: false; readonly problem: string }

export interface FoundState {
  readonly file: string
  readonly state: ProxyState
  /** Whether its process still exists. A dead one means a proxy that did not stop cleanly. */
  readonly alive: boolean
}

export function stateFilePath(dir: string): string {
  return join(dir, STATE_DIR, STATE_FILE)
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
  if (!isHttpUrl(v.url)) return { ok: false, problem: '"url" must be an http:// URL' }
  // The token is only ever sent to loopback, whatever the file says.
  if (!isLoopbackControlUrl(v.controlUrl)) return { ok: false, problem: '"controlUrl" must be http://127.0.0.1:PORT' }
  if (typeof v.token !== 'string' || !/^[A-Za-z0-9_-]{16,}$/.test(v.token)) return { ok: false, problem: '"token" must be a base64url string' }
  if (v.configFile !== undefined && (typeof v.configFile !== 'string' || v.configFile === '')) return { ok: false, problem: '"configFile" must be a path' }
  if (typeof v.startedAt !== 'number' || !Number.isFinite(v.startedAt)) return { ok: false, problem: '"startedAt" must be a time in epoch ms' }
  const state: ProxyState = { pid: v.pid as number, url: v.url as string, controlUrl: v.controlUrl as string, token: v.token, startedAt: v.startedAt }
  return { ok: true, state: v.configFile === undefined ? state : { ...state, configFile: v.configFile as string } }
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    return new URL(value).protocol === 'http:'
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
  if (!parsed.ok) {
    throw new ControlError('state_invalid', `${file} is not a devproxy state file: ${parsed.problem}`, {
      suggestion: `Delete it (rm ${file}); a running devproxy writes it again when it starts.`,
    })
  }
  return parsed.state
}

/**
 * Writes the state file atomically (a reader never sees half a file), mode 0600 in a 0700
 * directory. Returns the file.
 */
export async function writeState(dir: string, state: ProxyState): Promise<string> {
  const file = stateFilePath(dir)
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  const handle = await open(tmp, 'wx', 0o600)
  try {
    await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`)
  } finally {
    await handle.close()
  }
  try {
    await rename(tmp, file)
  } catch (error) {
    await unlink(tmp).catch(() => {})
    throw error
  }
  return file
}

/**
 * Removes the state file if it is still this proxy's: another proxy started later in the same
 * directory owns it now otherwise. The `.devproxy` directory goes too when nothing else is in it.
 */
export async function removeState(dir: string, owner: Pick<ProxyState, 'pid' | 'token'>): Promise<void> {
  const file = stateFilePath(dir)
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
  await rmdir(dirname(file)).catch(() => {})
}

/** Looks for `.devproxy/state.json` in `startDir`, then each parent up to the filesystem root. */
export async function findState(startDir: string): Promise<FoundState | undefined> {
  for (let dir = resolve(startDir); ; dir = dirname(dir)) {
    const file = stateFilePath(dir)
    if (existsSync(file)) {
      const state = await readState(file)
      return { file, state, alive: isProcessAlive(state.pid) }
    }
    if (dirname(dir) === dir) return undefined
  }
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
