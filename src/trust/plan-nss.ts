import path from 'node:path'
import { nssNickname, type CaIdentity } from './ca-identity.js'
import { shellLine } from './shell-line.js'
import { SYSTEM_STORE_LAYOUTS, type NssDatabase, type TrustFacts } from './trust-facts.js'
import type { StorePlan, TrustAction, TrustStep } from './trust-step.js'

/**
 * NSS databases, which Chrome/Chromium (`~/.pki/nssdb`) and each Firefox profile read on Linux
 * instead of the system store, changed with NSS's certutil. The entry is named after the CA's
 * fingerprint, so removing it never touches another entry.
 */

/** `C,,`: a CA trusted to identify TLS servers, and nothing else (not e-mail, not code signing). */
const TRUST_FLAGS = 'C,,'

export function planNss(facts: TrustFacts, ca: CaIdentity, action: TrustAction): StorePlan[] {
  if (!facts.certutilFound) return [certutilMissing(facts, action)]
  return facts.nssDatabases.map((db) => (action === 'install' ? planInstall(db, facts, ca) : planUninstall(db, facts, ca)))
}

function planInstall(db: NssDatabase, facts: TrustFacts, ca: CaIdentity): StorePlan {
  const target = `sql:${db.dir}`
  const nickname = nssNickname(ca)
  const create: TrustStep[] = db.exists ? [] : [{ op: 'mkdir', dir: db.dir }, certutil('-N', '-d', target, '--empty-password')]
  const steps = [...create, certutil('-A', '-d', target, '-n', nickname, '-t', TRUST_FLAGS, '-i', ca.certFile)]
  return {
    store: label(db, facts.home),
    // A database that is not there yet cannot hold the CA: no need to ask.
    ...(db.exists ? { probe: { step: certutil('-L', '-d', target, '-n', nickname) } } : {}),
    steps,
    done: `${db.exists ? 'added' : 'made the database and added the CA'}, trusted to identify websites (${TRUST_FLAGS})`,
    manual: shellLine(steps, { platform: facts.platform }),
  }
}

function planUninstall(db: NssDatabase, facts: TrustFacts, ca: CaIdentity): StorePlan {
  const target = `sql:${db.dir}`
  const nickname = nssNickname(ca)
  const steps = [certutil('-D', '-d', target, '-n', nickname)]
  return {
    store: label(db, facts.home),
    ...(db.exists ? {} : { settled: { status: 'skipped', detail: 'no database there' } }),
    probe: { step: certutil('-L', '-d', target, '-n', nickname) },
    steps,
    done: 'removed',
    manual: shellLine(steps, { platform: facts.platform }),
  }
}

/** One entry for all the databases: without certutil there is nothing to do per database. */
function certutilMissing(facts: TrustFacts, action: TrustAction): StorePlan {
  const browsers = [...new Set(facts.nssDatabases.map((db) => db.browser))].join(', ')
  const store = `NSS databases (${browsers})`
  const kind = facts.systemStore?.kind
  const command = SYSTEM_STORE_LAYOUTS[kind ?? 'debian'].certutilInstall
  // A Linux devproxy cannot place: the likeliest command, and the other common one.
  const otherwise = kind === undefined ? ` (on ${SYSTEM_STORE_LAYOUTS.fedora.family}: ${SYSTEM_STORE_LAYOUTS.fedora.certutilInstall})` : ''
  const settled =
    action === 'install'
      ? { status: 'failed', detail: `certutil (NSS tools) is not installed, so ${browsers} do not trust the CA: install it${otherwise}, then run devproxy trust again`, command } as const
      : facts.nssDatabases.some((db) => db.exists)
        ? { status: 'skipped', detail: `certutil (NSS tools) is not installed, so devproxy cannot look in them (nor could it have added the CA there)${otherwise}`, command } as const
        : { status: 'skipped', detail: 'no database there' } as const
  return { store, settled, steps: [], done: '', manual: command }
}

function certutil(...args: string[]): TrustStep {
  return { op: 'run', file: 'certutil', args }
}

/** `Chrome/Chromium (~/.pki/nssdb)`. */
function label(db: NssDatabase, home: string): string {
  const relative = path.posix.relative(home, db.dir)
  const shown = relative !== '' && !relative.startsWith('..') && !path.posix.isAbsolute(relative) ? `~/${relative}` : db.dir
  return `${db.browser} (${shown})`
}
