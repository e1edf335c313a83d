import path from 'node:path'
import { anchorFileName, type CaIdentity } from './ca-identity.js'
import { shellLine } from './shell-line.js'
import { SYSTEM_STORE_LAYOUTS, type TrustFacts } from './trust-facts.js'
import type { StorePlan, TrustAction, TrustStep } from './trust-step.js'

/**
 * The Linux system store (OpenSSL and what is built on it: curl, wget, git, Python; Go): the
 * certificate as a file in the distribution's anchors directory, then its update tool rebuilds
 * the bundles. Root's to change: devproxy does it only when it may write there, and otherwise
 * prints the sudo commands, never running sudo itself.
 */
export function planLinuxSystemStore(facts: TrustFacts, ca: CaIdentity, action: TrustAction): StorePlan {
  const system = facts.systemStore
  if (system === undefined) {
    const looked = Object.values(SYSTEM_STORE_LAYOUTS).map((layout) => layout.dir)
    return { store: 'system store', settled: { status: 'skipped', detail: `none devproxy knows here (looked for ${looked.join(', ')})` }, steps: [], done: '', manual: '' }
  }
  const layout = SYSTEM_STORE_LAYOUTS[system.kind]
  const name = anchorFileName(ca, layout.extension)
  const file = path.posix.join(system.dir, name)
  const [program, ...args] = system.update
  const update: TrustStep[] = program === undefined ? [] : [{ op: 'run', file: program, args }]
  const change: TrustStep = action === 'install' ? { op: 'copy', from: ca.certFile, to: file } : { op: 'remove', file }
  const steps = [change, ...update]
  const manual = shellLine(steps, { platform: 'linux', sudo: !facts.privileged })
  const ran = program === undefined ? '' : ` and ran ${system.update.join(' ')}`
  const plan = { store: `system store (${system.dir})`, steps, manual, done: `${action === 'install' ? 'added' : 'removed'} ${name}${ran}` }
  if (action === 'install' && system.current === 'same') return { ...plan, settled: { status: 'already', detail: `already there (${name})` } }
  if (action === 'uninstall' && system.current === 'none') return { ...plan, settled: { status: 'skipped', detail: 'not there' } }
  if (!system.writable) return { ...plan, settled: { status: 'skipped', detail: `needs root: ${system.dir} is not writable by you`, command: manual } }
  return plan
}
