import path from 'node:path'
import { caLabel, hex, type CaIdentity } from './ca-identity.js'
import { planLinuxSystemStore } from './plan-linux-system.js'
import { planNss } from './plan-nss.js'
import { shellLine } from './shell-line.js'
import type { TrustFacts } from './trust-facts.js'
import type { StorePlan, TrustAction, TrustStep } from './trust-step.js'

/**
 * Which stores this machine's clients read, and the commands that add the CA to them or take
 * it out: pure, from the facts (survey-machine.ts) alone.
 *
 * - Linux: every NSS database (Chrome/Chromium, Firefox) and the system store.
 * - macOS: the login keychain, trusted as a root; Chrome, Safari and curl read it.
 * - Windows: the current user's Trusted Root store; Chrome, Edge and curl (schannel) read it.
 */
export function planTrust(facts: TrustFacts, ca: CaIdentity, action: TrustAction): StorePlan[] {
  switch (facts.platform) {
    case 'linux':
      return [...planNss(facts, ca, action), planLinuxSystemStore(facts, ca, action)]
    case 'darwin':
      return [planMacKeychain(facts, ca, action)]
    case 'win32':
      return [planWindowsRoot(facts, ca, action)]
    default:
      return [{ store: `${facts.platform} trust stores`, settled: { status: 'skipped', detail: `devproxy does not know the trust stores of ${facts.platform}` }, steps: [], done: '', manual: '' }]
  }
}

/** Commands that may stop for the user (a password or a confirmation dialog) get time for it. */
const INTERACTIVE_TIMEOUT_MS = 120_000

function planMacKeychain(facts: TrustFacts, ca: CaIdentity, action: TrustAction): StorePlan {
  const keychain = path.posix.join(facts.home, 'Library', 'Keychains', 'login.keychain-db')
  const sha1 = hex(ca.fingerprint1)
  const steps: TrustStep[] =
    action === 'install'
      ? [security(['add-trusted-cert', '-d', '-r', 'trustRoot', '-k', keychain, ca.certFile], INTERACTIVE_TIMEOUT_MS)]
      : [security(['remove-trusted-cert', '-d', ca.certFile], INTERACTIVE_TIMEOUT_MS), security(['delete-certificate', '-Z', sha1, keychain])]
  return {
    store: 'macOS login keychain (~/Library/Keychains/login.keychain-db)',
    // Found by name, told apart by hash: another devproxy CA has the same name.
    probe: { step: security(['find-certificate', '-a', '-Z', '-c', caLabel(ca), keychain]), expect: `SHA-1 hash: ${sha1}` },
    steps,
    done: action === 'install' ? 'added, trusted as a root for this user' : 'removed',
    manual: shellLine(steps, { platform: 'darwin' }),
  }
}

function planWindowsRoot(_facts: TrustFacts, ca: CaIdentity, action: TrustAction): StorePlan {
  const sha1 = hex(ca.fingerprint1)
  const certutil = (args: string[], timeoutMs?: number): TrustStep => ({ op: 'run', file: 'certutil', args, ...(timeoutMs === undefined ? {} : { timeoutMs }) })
  const steps = action === 'install' ? [certutil(['-user', '-addstore', 'Root', ca.certFile], INTERACTIVE_TIMEOUT_MS)] : [certutil(['-user', '-delstore', 'Root', sha1], INTERACTIVE_TIMEOUT_MS)]
  return {
    store: 'Windows certificate store (current user, Trusted Root)',
    probe: { step: certutil(['-user', '-store', 'Root', sha1]) },
    steps,
    done: action === 'install' ? 'added' : 'removed',
    manual: shellLine(steps, { platform: 'win32' }),
  }
}

function security(args: string[], timeoutMs?: number): TrustStep {
  return { op: 'run', file: 'security', args, ...(timeoutMs === undefined ? {} : { timeoutMs }) }
}
