/**
 * What planning needs to know about the machine, gathered once by survey-machine.ts: which
 * stores are there, whether their tools are, and whether devproxy may write them. Plain data,
 * so that the plan for any platform can be worked out (and tested) anywhere.
 */
export interface TrustFacts {
  readonly platform: NodeJS.Platform
  /** The user's home directory, as the stores' paths start from it. */
  readonly home: string
  /** Running as root: system stores need no sudo. */
  readonly privileged: boolean
  /** Linux: NSS's certutil is on PATH. */
  readonly certutilFound: boolean
  /** Linux: Chrome's NSS database (always: devproxy makes it when missing) and every other one found. */
  readonly nssDatabases: readonly NssDatabase[]
  /** Linux: the system trust store, when there is one devproxy knows. */
  readonly systemStore: SystemStoreFacts | undefined
}

export interface NssDatabase {
  /** `Chrome/Chromium`, `Firefox`, `Firefox (snap)`… */
  readonly browser: string
  readonly dir: string
  /** It holds a database (cert9.db) already. */
  readonly exists: boolean
}

export type SystemStoreKind = 'debian' | 'fedora' | 'arch'

export interface SystemStoreFacts {
  readonly kind: SystemStoreKind
  /** The anchors directory: the kind's own, or `$DEVPROXY_SYSTEM_CA_DIR`. */
  readonly dir: string
  /** The command that rebuilds the bundles after a change (program and arguments); empty: none. */
  readonly update: readonly string[]
  /** devproxy may write there (as root, normally); otherwise it prints the sudo commands. */
  readonly writable: boolean
  /** What is at this CA's file name there: this certificate, something else, or nothing. */
  readonly current: 'same' | 'other' | 'none'
}

/**
 * Points the system store somewhere else: tests (which must never touch the machine's), or an
 * unusual layout. The machine's update command then does not run (it would not read that
 * directory): `DEVPROXY_SYSTEM_CA_UPDATE` names the one to run instead, if any.
 */
export const SYSTEM_CA_DIR_ENV = 'DEVPROXY_SYSTEM_CA_DIR'
/** With DEVPROXY_SYSTEM_CA_DIR: the program to run after a change there (arguments split on spaces). */
export const SYSTEM_CA_UPDATE_ENV = 'DEVPROXY_SYSTEM_CA_UPDATE'

export interface SystemStoreLayout {
  /** `Debian/Ubuntu`: who uses this layout, for messages. */
  readonly family: string
  /** Where local CA certificates go. */
  readonly dir: string
  /** Its tools read only files with this extension (update-ca-certificates: `.crt`). */
  readonly extension: string
  /** Rebuilds the bundles that OpenSSL, curl and friends read. */
  readonly update: readonly string[]
  /** How this family installs NSS's certutil. */
  readonly certutilInstall: string
}

/** In the order they are looked for: the first whose directory exists is the machine's. */
export const SYSTEM_STORE_LAYOUTS: Readonly<Record<SystemStoreKind, SystemStoreLayout>> = {
  debian: {
    family: 'Debian/Ubuntu',
    dir: '/usr/local/share/ca-certificates',
    extension: '.crt',
    update: ['update-ca-certificates'],
    certutilInstall: 'sudo apt-get install libnss3-tools',
  },
  fedora: {
    family: 'Fedora/RHEL',
    dir: '/etc/pki/ca-trust/source/anchors',
    extension: '.pem',
    update: ['update-ca-trust', 'extract'],
    certutilInstall: 'sudo dnf install nss-tools',
  },
  arch: {
    family: 'Arch',
    dir: '/etc/ca-certificates/trust-source/anchors',
    extension: '.crt',
    update: ['update-ca-trust'],
    certutilInstall: 'sudo pacman -S nss',
  },
}
