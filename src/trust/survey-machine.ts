import { constants } from 'node:fs'
import { access, readdir, readFile, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import path from 'node:path'
import { anchorFileName, type CaIdentity } from './ca-identity.js'
import {
  SYSTEM_CA_DIR_ENV,
  SYSTEM_CA_UPDATE_ENV,
  SYSTEM_STORE_LAYOUTS,
  type NssDatabase,
  type SystemStoreFacts,
  type SystemStoreKind,
  type SystemStoreLayout,
  type TrustFacts,
} from './trust-facts.js'

/**
 * Looks at the machine, changing nothing: which NSS databases and system store are there,
 * whether certutil is installed, whether devproxy may write the system store. The result is
 * all that planning (plan-trust.ts) needs.
 */

export interface SurveyOptions {
  /** Default: process.env (PATH for certutil; DEVPROXY_SYSTEM_CA_DIR and DEVPROXY_SYSTEM_CA_UPDATE). */
  env?: NodeJS.ProcessEnv
  /** Default: process.platform. */
  platform?: NodeJS.Platform
  /** Default: os.homedir(). */
  home?: string
  /** Default: whether this process runs as root. */
  privileged?: boolean
}

export async function surveyMachine(ca: CaIdentity, options: SurveyOptions = {}): Promise<TrustFacts> {
  const { env = process.env, platform = process.platform, home = homedir() } = options
  const privileged = options.privileged ?? process.getuid?.() === 0
  if (platform !== 'linux') return { platform, home, privileged, certutilFound: false, nssDatabases: [], systemStore: undefined }
  const [certutilFound, nssDatabases, systemStore] = await Promise.all([isOnPath('certutil', env), findNssDatabases(home), findSystemStore(ca, env)])
  return { platform, home, privileged, certutilFound, nssDatabases, systemStore }
}

/** Where Linux browsers keep theirs; Chrome's is listed even when missing, as devproxy makes it. */
async function findNssDatabases(home: string): Promise<NssDatabase[]> {
  const chrome = path.join(home, '.pki', 'nssdb')
  const snapChromium = path.join(home, 'snap', 'chromium', 'current', '.pki', 'nssdb')
  const firefoxRoots: Array<[string, string]> = [
    ['Firefox', path.join(home, '.mozilla', 'firefox')],
    ['Firefox (snap)', path.join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox')],
    ['Firefox (Flatpak)', path.join(home, '.var', 'app', 'org.mozilla.firefox', '.mozilla', 'firefox')],
  ]
  const found: NssDatabase[] = [{ browser: 'Chrome/Chromium', dir: chrome, exists: await holdsDatabase(chrome) }]
  if (await holdsDatabase(snapChromium)) found.push({ browser: 'Chromium (snap)', dir: snapChromium, exists: true })
  for (const [browser, root] of firefoxRoots) {
    for (const profile of await profileDirs(root)) if (await holdsDatabase(profile)) found.push({ browser, dir: profile, exists: true })
  }
  return found
}

async function profileDirs(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root, { withFileTypes: true })
    return entries
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(root, entry.name))
      .sort()
  } catch {
    return []
  }
}

/** cert9.db: the SQLite database every NSS since 3.35 (2018) uses. */
async function holdsDatabase(dir: string): Promise<boolean> {
  return (await stat(path.join(dir, 'cert9.db')).catch(() => undefined))?.isFile() ?? false
}

async function findSystemStore(ca: CaIdentity, env: NodeJS.ProcessEnv): Promise<SystemStoreFacts | undefined> {
  const override = env[SYSTEM_CA_DIR_ENV] || undefined
  let kind: SystemStoreKind | undefined
  for (const [candidate, layout] of Object.entries(SYSTEM_STORE_LAYOUTS) as Array<[SystemStoreKind, SystemStoreLayout]>) {
    if (await isDirectory(layout.dir)) {
      kind = candidate
      break
    }
  }
  if (kind === undefined && override === undefined) return undefined
  // Moved: the file name stays the machine's kind's (Debian's when none is found).
  kind ??= 'debian'
  const layout = SYSTEM_STORE_LAYOUTS[kind]
  const dir = override === undefined ? layout.dir : path.resolve(override)
  const update = override === undefined ? layout.update : (env[SYSTEM_CA_UPDATE_ENV] ?? '').split(' ').filter(Boolean)
  const file = path.join(dir, anchorFileName(ca, layout.extension))
  const [writable, current] = await Promise.all([isWritable(dir), compareFile(file, ca.certFile)])
  return { kind, dir, update, writable, current }
}

async function compareFile(file: string, certFile: string): Promise<SystemStoreFacts['current']> {
  const [there, ours] = await Promise.all([readFile(file, 'utf8').catch(() => undefined), readFile(certFile, 'utf8')])
  if (there === undefined) return 'none'
  return there.trim() === ours.trim() ? 'same' : 'other'
}

async function isOnPath(program: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue
    try {
      await access(path.join(dir, program), constants.X_OK)
      return true
    } catch {
      // not in this one
    }
  }
  return false
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false
}

async function isWritable(dir: string): Promise<boolean> {
  return access(dir, constants.W_OK).then(
    () => true,
    () => false,
  )
}
