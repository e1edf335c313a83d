import { randomBytes } from 'node:crypto'
import { chmod, link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { homedir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { LocalCaError } from './ca-error.js'
import { CA_NAMES, createLocalCa, parseLocalCa, type CaRole, type CreateLocalCaOptions, type LocalCa } from './local-ca.js'

/**
 * Where the local CA lives and how it gets there: the user's data directory, never a project
 * (a CA key in a repository is one `git add .` from being public). Made on first use, read
 * after; a file that cannot be used is an error naming it and saying how to start over.
 */

export const CA_CERT_FILE = 'ca.pem'
export const CA_KEY_FILE = 'ca-key.pem'
/** The intercept CA's (intercept-ca.ts), beside the local CA's. */
export const INTERCEPT_CA_CERT_FILE = 'intercept-ca.pem'
export const INTERCEPT_CA_KEY_FILE = 'intercept-ca-key.pem'
const FILE_NAMES: Readonly<Record<CaRole, { cert: string; key: string }>> = {
  local: { cert: CA_CERT_FILE, key: CA_KEY_FILE },
  intercept: { cert: INTERCEPT_CA_CERT_FILE, key: INTERCEPT_CA_KEY_FILE },
}
/** Overrides the directory (tests, or a user who keeps such things elsewhere). */
export const DATA_DIR_ENV = 'DEVPROXY_DATA_DIR'

/** How long a reader waits for another process that is writing the CA right now. */
const CREATION_WAIT_MS = 2_000

export interface CaFiles {
  /** Which CA they hold. */
  readonly role: CaRole
  readonly dir: string
  readonly certFile: string
  readonly keyFile: string
}

export interface DataDirContext {
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv
  /** Default: process.platform. */
  platform?: NodeJS.Platform
  /** Default: os.homedir(). */
  home?: string
}

/**
 * `$DEVPROXY_DATA_DIR`, else the platform's per-user data directory: `$XDG_DATA_HOME/devproxy`
 * or `~/.local/share/devproxy` (XDG Base Directory), `~/Library/Application Support/devproxy`
 * on macOS, `%LOCALAPPDATA%\devproxy` on Windows.
 */
export function resolveDataDir({ env = process.env, platform = process.platform, home = homedir() }: DataDirContext = {}): string {
  const paths = platform === 'win32' ? path.win32 : path.posix
  const override = env[DATA_DIR_ENV]
  if (override !== undefined && override !== '') return paths.resolve(override)
  if (platform === 'win32') return paths.join(env.LOCALAPPDATA || paths.join(home, 'AppData', 'Local'), 'devproxy')
  if (platform === 'darwin') return paths.join(home, 'Library', 'Application Support', 'devproxy')
  // The XDG spec: a relative path in these variables is invalid and is ignored.
  const xdg = env.XDG_DATA_HOME
  return paths.join(xdg !== undefined && paths.isAbsolute(xdg) ? xdg : paths.join(home, '.local', 'share'), 'devproxy')
}

export function caFiles(dir: string = resolveDataDir(), role: CaRole = 'local'): CaFiles {
  const names = FILE_NAMES[role]
  return { role, dir, certFile: path.join(dir, names.cert), keyFile: path.join(dir, names.key) }
}

export interface OpenLocalCaOptions extends CreateLocalCaOptions {
  /** Default: resolveDataDir(). */
  dir?: string
}

export interface OpenedLocalCa {
  readonly ca: LocalCa
  readonly files: CaFiles
  /** True when this call made the CA (the user has not trusted it yet). */
  readonly created: boolean
}

/**
 * The CA in `dir`, made there first if there is none (`hosts` and `owner` apply only then).
 * Two processes starting at once end up with the same CA: the key is published with an
 * exclusive link, and whoever loses the race reads the winner's.
 */
export async function openLocalCa(options: OpenLocalCaOptions = {}): Promise<OpenedLocalCa> {
  const files = caFiles(options.dir)
  const existing = await readStoredCa(files, options.now)
  if (existing !== undefined) return { ca: existing, files, created: false }
  const created = await writeCa(files, options, 'create')
  if (created !== undefined) return { ca: created, files, created: true }
  const winner = await readStoredCa(files, options.now)
  if (winner === undefined) throw invalid(files.certFile, files, 'disappeared while devproxy was reading it')
  return { ca: winner, files, created: false }
}

/** The CA in `dir` if one was made there, without making one (`devproxy trust --print`). */
export async function readLocalCa(dir?: string, now?: Date): Promise<OpenedLocalCa | undefined> {
  const files = caFiles(dir)
  const ca = await readStoredCa(files, now)
  return ca === undefined ? undefined : { ca, files, created: false }
}

/**
 * The CA in `files` if there is one; `ca_invalid` / `ca_unreadable` naming the file at fault.
 * Waits briefly for another process that is writing it.
 */
export async function readStoredCa(files: CaFiles, now: Date | undefined): Promise<LocalCa | undefined> {
  let keyPem = await readIfPresent(files.keyFile, files)
  let certPem = await readIfPresent(files.certFile, files)
  // The key is published first: a key alone is most likely a CA another process is writing.
  for (const deadline = Date.now() + CREATION_WAIT_MS; keyPem !== undefined && certPem === undefined && Date.now() < deadline; ) {
    await sleep(25)
    certPem = await readIfPresent(files.certFile, files)
  }
  if (keyPem === undefined && certPem === undefined) return undefined
  if (certPem === undefined) throw invalid(files.certFile, files, `is missing, though ${path.basename(files.keyFile)} is there`)
  if (keyPem === undefined) throw invalid(files.keyFile, files, `is missing, though ${path.basename(files.certFile)} is there`)
  const parsed = await parseLocalCa(certPem, keyPem, now)
  if ('problem' in parsed) {
    const file = parsed.file === 'key' ? files.keyFile : files.certFile
    throw invalid(file, files, parsed.problem)
  }
  await tightenKeyMode(files.keyFile)
  return parsed.ca
}

/**
 * Replaces the CA in `dir` with a new one (`devproxy trust --reissue`): `hosts` and `owner`
 * apply to the new CA. The old files stay whole until the new ones are written, then are
 * renamed over, key first, as creation publishes them.
 */
export async function reissueLocalCa(options: OpenLocalCaOptions = {}): Promise<OpenedLocalCa> {
  const files = caFiles(options.dir)
  return { ca: await writeCa(files, options, 'replace'), files, created: true }
}

/**
 * Writes a new CA: `create` publishes it only where there is none (returning undefined when
 * another process published one first), `replace` over whatever is there. Its role is the files'.
 */
export async function writeCa(files: CaFiles, options: CreateLocalCaOptions, mode: 'replace'): Promise<LocalCa>
export async function writeCa(files: CaFiles, options: CreateLocalCaOptions, mode: 'create'): Promise<LocalCa | undefined>
export async function writeCa(files: CaFiles, options: CreateLocalCaOptions, mode: 'create' | 'replace'): Promise<LocalCa | undefined> {
  const { ca, keyPem } = await createLocalCa({ ...options, role: files.role })
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}.tmp`
  const keyTemp = `${files.keyFile}.${tag}`
  const certTemp = `${files.certFile}.${tag}`
  try {
    await makePrivateDir(files.dir)
    await writeNewFile(keyTemp, keyPem, 0o600)
    await writeNewFile(certTemp, ca.certPem, 0o644)
    if (mode === 'replace') {
      await rename(keyTemp, files.keyFile)
    } else {
      try {
        // link() fails if the name exists, unlike rename(): the first process to get here wins.
        await link(keyTemp, files.keyFile)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined
        throw error
      }
    }
    await rename(certTemp, files.certFile)
    return ca
  } catch (error) {
    throw new LocalCaError('ca_write_failed', `cannot ${mode === 'create' ? 'create' : 'replace'} the ${CA_NAMES[files.role]} in ${files.dir}: ${describeOsError(error)}`, {
      file: files.dir,
      cause: error,
      suggestion: `Make ${files.dir} writable by you, or set ${DATA_DIR_ENV} to a directory you can write to.`,
    })
  } finally {
    await Promise.all([unlink(keyTemp).catch(() => {}), unlink(certTemp).catch(() => {})])
  }
}

/** The directory itself 0700 (its parents as the user's umask makes them). */
async function makePrivateDir(dir: string): Promise<void> {
  try {
    await mkdir(path.dirname(dir), { recursive: true })
    await mkdir(dir, { mode: 0o700 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  // EEXIST also when a parent is a file (mkdir -p's own message would be "file already exists").
  const info = await stat(dir).catch(() => undefined)
  if (!info?.isDirectory()) throw new Error(`${dir} or a directory above it is a file`)
}

async function writeNewFile(file: string, text: string, mode: number): Promise<void> {
  const handle = await open(file, 'wx', mode)
  try {
    await handle.writeFile(text)
    // A key lost to a crash right after creation would orphan every trust store entry.
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** A key other users can read is made private again (as ssh insists on); a failure to is not fatal. */
async function tightenKeyMode(file: string): Promise<void> {
  if (process.platform === 'win32') return
  try {
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600)
  } catch {
    // Owned by someone else (made with sudo): reading it worked, which is what matters here.
  }
}

async function readIfPresent(file: string, files: CaFiles): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    // ENOTDIR: a file where the directory should be; creating the CA then says so.
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new LocalCaError('ca_unreadable', `cannot read the devproxy CA file ${file}: ${describeOsError(error)}`, {
      file,
      cause: error,
      suggestion: `Make it a file readable by the user running devproxy, or ${startOver(files)}`,
    })
  }
}

function invalid(file: string, files: CaFiles, problem: string): LocalCaError {
  return new LocalCaError('ca_invalid', `the devproxy CA file ${file} ${problem}`, { file, suggestion: `To start over, ${startOver(files)}` })
}

function startOver(files: CaFiles): string {
  if (files.role === 'intercept') {
    const removeBoth = process.platform === 'win32' ? `Remove-Item "${files.certFile}", "${files.keyFile}"` : `rm '${files.certFile}' '${files.keyFile}'`
    return `remove both intercept CA files (${removeBoth}): devproxy makes a new intercept CA the next time it intercepts a host; then run \`devproxy trust --intercept\` again.`
  }
  const remove = process.platform === 'win32' ? `Remove-Item -Recurse "${files.dir}"` : `rm -r '${files.dir}'`
  return `run \`devproxy trust --reissue\`: it takes the old CA out of the trust stores, makes a new one there and installs it (or remove the directory, ${remove}, and run \`devproxy trust\`).`
}

/** `EACCES: permission denied, open '/x'` → `permission denied (EACCES)`. */
function describeOsError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException
  if (code === undefined) return message
  const words = message.replace(`${code}: `, '').replace(/, \w+( '.*')?$/, '')
  return `${words} (${code})`
}
