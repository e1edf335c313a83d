/**
 * What `devproxy trust` prints: one line per store, the command to finish a store by hand
 * under it, the NODE_EXTRA_CA_CERTS line for each platform's shell, and `--print`.
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { plainPalette } from '../../src/terminal/palette.js'
import { createLocalCa, parseLocalCa } from '../../src/tls/local-ca.js'
import { caCertificateJson, formatCaCertificate, formatStore, formatTrusted, formatUntrusted, nodeExtraCaLine } from '../../src/trust/format-trust.js'
import type { TrustOutcome } from '../../src/trust/trust-ca.js'

const CA = { certFile: '/home/ada/.local/share/devproxy/ca.pem', fingerprint: '3F:9A' }
const SUDO = 'sudo cp /home/ada/.local/share/devproxy/ca.pem /usr/local/share/ca-certificates/devproxy-3f9a.crt && sudo update-ca-certificates'

describe('a store', () => {
  it.each([
    [{ store: 'Chrome/Chromium (~/.pki/nssdb)', status: 'installed', detail: 'added' } as const, ['✓ Chrome/Chromium (~/.pki/nssdb): added']],
    [{ store: 'Firefox (~/.mozilla/firefox/p)', status: 'already', detail: 'already there' } as const, ['✓ Firefox (~/.mozilla/firefox/p): already there']],
    [{ store: 'system store (/usr/local/share/ca-certificates)', status: 'skipped', detail: 'needs root', command: SUDO } as const, ['– system store (/usr/local/share/ca-certificates): needs root', `    ${SUDO}`]],
    [{ store: 'NSS databases (Chrome/Chromium)', status: 'failed', detail: 'certutil (NSS tools) is not installed', command: 'sudo apt-get install libnss3-tools' } as const, ['✗ NSS databases (Chrome/Chromium): certutil (NSS tools) is not installed', '    sudo apt-get install libnss3-tools']],
  ])('%o', (store, lines) => {
    expect(formatStore(store, plainPalette)).toEqual(lines)
  })
})

it.each<[NodeJS.Platform, string, string]>([
  ['linux', '/home/ada/.local/share/devproxy/ca.pem', 'export NODE_EXTRA_CA_CERTS=/home/ada/.local/share/devproxy/ca.pem'],
  ['darwin', '/Users/ada/Library/Application Support/devproxy/ca.pem', "export NODE_EXTRA_CA_CERTS='/Users/ada/Library/Application Support/devproxy/ca.pem'"],
  ['win32', 'C:\\Users\\ada\\AppData\\Local\\devproxy\\ca.pem', '$env:NODE_EXTRA_CA_CERTS = "C:\\Users\\ada\\AppData\\Local\\devproxy\\ca.pem"'],
])('the NODE_EXTRA_CA_CERTS line on %s', (platform, certFile, line) => {
  expect(nodeExtraCaLine(certFile, platform)).toBe(line)
})

describe('the report', () => {
  const outcome: TrustOutcome = {
    created: true,
    covers: 'localhost, *.localhost, 127.0.0.0/8, ::1',
    warnings: [],
    report: {
      ca: CA,
      stores: [
        { store: 'Chrome/Chromium (~/.pki/nssdb)', status: 'installed', detail: 'added' },
        { store: 'system store (/usr/local/share/ca-certificates)', status: 'skipped', detail: 'needs root', command: SUDO },
      ],
    },
  }

  it('install: the CA, each store, then Node.js and curl', () => {
    const lines = formatTrusted(outcome, { palette: plainPalette, platform: 'linux' })
    expect(lines[0]).toBe('✓ made a new local CA in /home/ada/.local/share/devproxy')
    expect(lines).toContain('  covers localhost, *.localhost, 127.0.0.0/8, ::1, and nothing else')
    expect(lines).toContain(`    ${SUDO}`)
    expect(lines).toContain('Node.js reads none of these stores; give it the CA with: export NODE_EXTRA_CA_CERTS=/home/ada/.local/share/devproxy/ca.pem')
    expect(lines.some((line) => line.includes('curl --cacert /home/ada/.local/share/devproxy/ca.pem'))).toBe(true)
  })

  it('reissue: the old CA leaving the stores comes first, and a running start --https is told to restart', () => {
    const lines = formatTrusted({ ...outcome, report: { ...outcome.report, previous: { fingerprint: 'AA:BB', stores: [{ store: 'Chrome/Chromium (~/.pki/nssdb)', status: 'removed', detail: 'removed' }] } } }, { palette: plainPalette, platform: 'linux' })
    expect(lines.slice(0, 2)).toEqual(['Taking the old CA (SHA-256 AA:BB) out of the stores:', '  ✓ Chrome/Chromium (~/.pki/nssdb): removed'])
    expect(lines.at(-1)).toContain('restart it')
  })

  it('uninstall with no CA: one line, nothing else', () => {
    expect(formatUntrusted({ created: false, warnings: [], report: { ca: null, stores: [] } }, '/home/ada/.local/share/devproxy', { palette: plainPalette })).toEqual([
      'There is no devproxy local CA in /home/ada/.local/share/devproxy: nothing to take out of the trust stores.',
    ])
  })
})

it('--print: path, fingerprint, what it covers in words, then the PEM itself', async () => {
  const { ca } = await createLocalCa({ owner: 'ada@laptop', hosts: ['myapp.test'] })
  const lines = formatCaCertificate(ca, '/data/ca.pem')
  expect(lines[0]).toBe('/data/ca.pem')
  expect(lines).toContain(`SHA-256:      ${ca.fingerprint256}`)
  expect(lines).toContain('covers:       localhost, *.localhost, myapp.test, *.myapp.test, 127.0.0.0/8, ::1')
  expect(lines.at(-1)).toBe(ca.certPem.trimEnd())
  expect(caCertificateJson(ca, '/data/ca.pem')).toMatchObject({ ca: { certFile: '/data/ca.pem', fingerprint: ca.fingerprint256, covers: ['localhost', '*.localhost', 'myapp.test', '*.myapp.test', '127.0.0.0/8', '::1'], pem: ca.certPem } })
})

it('--print of a CA from an older devproxy: what it does not refuse, instead of "and nothing else"', async () => {
  const older = new URL('../fixtures/tls/older-ca/', import.meta.url)
  const parsed = await parseLocalCa(await readFile(new URL('ca.pem', older), 'utf8'), await readFile(new URL('ca-key.pem', older), 'utf8'))
  if (!('ca' in parsed)) throw new Error(parsed.problem)
  const lines = formatCaCertificate(parsed.ca, '/data/ca.pem')
  expect(lines).toContain('covers:       localhost, *.localhost, 127.0.0.0/8, ::1')
  expect(lines).toContain(
    "              but was made by an older devproxy and does not refuse e-mail addresses, URIs and uses other than HTTPS servers; `devproxy trust --reissue` replaces it with one that does, covering the same names",
  )
  expect(lines.join('\n')).not.toContain('and nothing else')
})
