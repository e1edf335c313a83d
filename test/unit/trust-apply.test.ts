/**
 * Carrying out the plans and reporting per store, with a runner that records each step and
 * answers as the store's tool would: what is asked first, what runs, what stops, what the user
 * is told to run by hand.
 */
import { describe, expect, it } from 'vitest'
import { applyPlans } from '../../src/trust/apply-plan.js'
import type { CaIdentity } from '../../src/trust/ca-identity.js'
import { planTrust } from '../../src/trust/plan-trust.js'
import type { TrustFacts } from '../../src/trust/trust-facts.js'
import type { StepOutcome, StepRunner, TrustStep } from '../../src/trust/trust-step.js'

const CA: CaIdentity = {
  certFile: '/home/ada/.local/share/devproxy/ca.pem',
  fingerprint256: '3F:9A:5C:7E:01:23:45:67:89:AB:CD:EF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:10:20:30:40',
  fingerprint1: '12:34:56:78:9A:BC:DE:F0:11:22:33:44:55:66:77:88:99:AA:BB:CC',
}

/** As root, one NSS database (Chrome's) and the Debian system store. */
const FACTS: TrustFacts = {
  platform: 'linux',
  home: '/home/ada',
  privileged: true,
  certutilFound: true,
  nssDatabases: [{ browser: 'Chrome/Chromium', dir: '/home/ada/.pki/nssdb', exists: true }],
  systemStore: { kind: 'debian', dir: '/usr/local/share/ca-certificates', update: ['update-ca-certificates'], writable: true, current: 'none' },
}

/** `certutil -L`, `copy`, …: a step as the tests name it. */
function name(step: TrustStep): string {
  return step.op === 'run' ? `${step.file} ${step.args[0] ?? ''}`.trim() : step.op
}

/** Records every step; `answer` says how each goes (default: fine, printing nothing). */
function recordingRunner(answer: (step: TrustStep) => StepOutcome = () => ({ ok: true, stdout: '' })): { run: StepRunner; ran: string[] } {
  const ran: string[] = []
  return {
    ran,
    run: async (step) => {
      ran.push(name(step))
      return answer(step)
    },
  }
}

const NOT_FOUND: StepOutcome = { ok: false, problem: 'exited with code 255 (certutil: Could not find cert)' }

describe('install', () => {
  it('a store without the CA: asked, then changed, and reported installed with what was done', async () => {
    const { run, ran } = recordingRunner((step) => (name(step) === 'certutil -L' ? NOT_FOUND : { ok: true, stdout: '' }))
    const reports = await applyPlans(planTrust(FACTS, CA, 'install'), 'install', run)
    expect(ran).toEqual(['certutil -L', 'certutil -A', 'copy', 'update-ca-certificates'])
    expect(reports).toEqual([
      { store: 'Chrome/Chromium (~/.pki/nssdb)', status: 'installed', detail: 'added, trusted to identify websites (C,,)' },
      { store: 'system store (/usr/local/share/ca-certificates)', status: 'installed', detail: 'added devproxy-3f9a5c7e01234567.crt and ran update-ca-certificates' },
    ])
  })

  it('a second run: the probe finds the CA and nothing is changed', async () => {
    const { run, ran } = recordingRunner()
    const facts: TrustFacts = { ...FACTS, systemStore: { ...FACTS.systemStore!, current: 'same' } }
    const reports = await applyPlans(planTrust(facts, CA, 'install'), 'install', run)
    expect(ran).toEqual(['certutil -L'])
    expect(reports.map((report) => report.status)).toEqual(['already', 'already'])
  })

  it("a failing step stops its store only: failed, with the tool's words and the command to finish by hand", async () => {
    const { run, ran } = recordingRunner((step) => {
      if (name(step) === 'certutil -N') return { ok: false, problem: 'exited with code 255 (certutil: function failed: SEC_ERROR_BAD_DATABASE: security library: bad database.)' }
      if (name(step) === 'update-ca-certificates') return { ok: false, problem: 'not found (it is not on PATH)' }
      return { ok: true, stdout: '' }
    })
    const facts: TrustFacts = { ...FACTS, nssDatabases: [{ browser: 'Chrome/Chromium', dir: '/home/ada/.pki/nssdb', exists: false }] }
    const reports = await applyPlans(planTrust(facts, CA, 'install'), 'install', run)
    // No certutil -A after the failed -N; the system store is still tried.
    expect(ran).toEqual(['mkdir', 'certutil -N', 'copy', 'update-ca-certificates'])
    expect(reports[0]).toEqual({
      store: 'Chrome/Chromium (~/.pki/nssdb)',
      status: 'failed',
      detail: 'certutil -N: exited with code 255 (certutil: function failed: SEC_ERROR_BAD_DATABASE: security library: bad database.)',
      command:
        'mkdir -p -m 700 /home/ada/.pki/nssdb && certutil -N -d sql:/home/ada/.pki/nssdb --empty-password && ' +
        "certutil -A -d sql:/home/ada/.pki/nssdb -n 'devproxy local CA 3f9a5c7e01234567' -t C,, -i /home/ada/.local/share/devproxy/ca.pem",
    })
    expect(reports[1]).toMatchObject({ status: 'failed', detail: 'update-ca-certificates: not found (it is not on PATH)' })
    expect(reports[1]!.command).toBe('cp /home/ada/.local/share/devproxy/ca.pem /usr/local/share/ca-certificates/devproxy-3f9a5c7e01234567.crt && update-ca-certificates')
  })

  it('a store settled by the facts (certutil missing, no root) runs nothing', async () => {
    const { run, ran } = recordingRunner()
    const facts: TrustFacts = { ...FACTS, privileged: false, certutilFound: false, systemStore: { ...FACTS.systemStore!, writable: false } }
    const reports = await applyPlans(planTrust(facts, CA, 'install'), 'install', run)
    expect(ran).toEqual([])
    expect(reports.map((report) => [report.status, report.command])).toEqual([
      ['failed', 'sudo apt-get install libnss3-tools'],
      ['skipped', 'sudo cp /home/ada/.local/share/devproxy/ca.pem /usr/local/share/ca-certificates/devproxy-3f9a5c7e01234567.crt && sudo update-ca-certificates'],
    ])
  })

  it('a probe that must print something (the SHA-1 in the macOS keychain): another devproxy CA there does not count', async () => {
    const mac: TrustFacts = { ...FACTS, platform: 'darwin', home: '/Users/ada' }
    const other = recordingRunner(() => ({ ok: true, stdout: 'SHA-1 hash: FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\n' }))
    expect((await applyPlans(planTrust(mac, CA, 'install'), 'install', other.run))[0]!.status).toBe('installed')
    expect(other.ran).toEqual(['security find-certificate', 'security add-trusted-cert'])
    const ours = recordingRunner(() => ({ ok: true, stdout: 'SHA-256 hash: …\nSHA-1 hash: 123456789ABCDEF0112233445566778899AABBCC\n' }))
    expect((await applyPlans(planTrust(mac, CA, 'install'), 'install', ours.run))[0]!.status).toBe('already')
    expect(ours.ran).toEqual(['security find-certificate'])
  })
})

describe('uninstall', () => {
  it('removes where the probe finds it; elsewhere: skipped, not there', async () => {
    const { run, ran } = recordingRunner()
    const facts: TrustFacts = { ...FACTS, systemStore: { ...FACTS.systemStore!, current: 'same' } }
    const reports = await applyPlans(planTrust(facts, CA, 'uninstall'), 'uninstall', run)
    expect(ran).toEqual(['certutil -L', 'certutil -D', 'remove', 'update-ca-certificates'])
    expect(reports.map((report) => report.status)).toEqual(['removed', 'removed'])

    const absent = recordingRunner(() => NOT_FOUND)
    const none = await applyPlans(planTrust(FACTS, CA, 'uninstall'), 'uninstall', absent.run)
    expect(absent.ran).toEqual(['certutil -L'])
    expect(none).toEqual([
      { store: 'Chrome/Chromium (~/.pki/nssdb)', status: 'skipped', detail: 'not there' },
      { store: 'system store (/usr/local/share/ca-certificates)', status: 'skipped', detail: 'not there' },
    ])
  })
})
