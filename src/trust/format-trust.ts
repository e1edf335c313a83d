import path from 'node:path'
import type { Palette } from '../terminal/palette.js'
import { describeOutdatedCa } from '../tls/ca-restrictions.js'
import { CA_NAMES, type CaRole, type LocalCa } from '../tls/local-ca.js'
import { describePermitted } from '../tls/local-names.js'
import { quotePosix } from './shell-line.js'
import type { TrustOutcome } from './trust-ca.js'
import type { StoreReport, TrustStatus } from './trust-step.js'

/** What `devproxy trust` prints: pure, from the outcome (trust-ca.ts). */

export interface FormatTrustOptions {
  readonly palette: Palette
  /** Default: process.platform (how the NODE_EXTRA_CA_CERTS line is written). */
  readonly platform?: NodeJS.Platform
  /** The HTTPS URL the curl line tries: a proxy of this directory serving HTTPS, else start --https's default. Default: `https://localhost:8080/`. */
  readonly tryUrl?: string
  /** Intercept CA: the proxy the curl line goes through (`--proxy`), and tryUrl is an intercepted host's. Default: none. */
  readonly tryProxy?: string
}

/** `devproxy trust` and `--reissue`. */
export function formatTrusted(outcome: TrustOutcome, { palette, platform = process.platform, tryUrl = 'https://localhost:8080/', tryProxy }: FormatTrustOptions): string[] {
  const { report } = outcome
  if (report.ca === null) return []
  const lines: string[] = formatRetired(report, palette)
  if (report.previous !== undefined) {
    lines.push(`Taking the old CA (SHA-256 ${report.previous.fingerprint}) out of the stores:`)
    lines.push(...report.previous.stores.flatMap((store) => formatStore(store, palette).map((line) => `  ${line}`)), '')
  }
  if (outcome.created) lines.push(`${palette.ok('✓')} made a new local CA in ${path.dirname(report.ca.certFile)}`)
  lines.push(...formatCaLines(report.ca, outcome.covers, palette, outcome.role), '')
  lines.push(...report.stores.flatMap((store) => formatStore(store, palette)), '')
  lines.push(`Node.js reads none of these stores; give it the CA with: ${nodeExtraCaLine(report.ca.certFile, platform)}`)
  const proxy = tryProxy === undefined ? '' : `--proxy ${tryProxy} `
  lines.push(`curl, and tools that take a CA file: curl ${proxy}--cacert ${quote(report.ca.certFile, platform)} ${tryUrl}`)
  if (report.stores.some((store) => store.status === 'installed')) lines.push(palette.dim('Browsers read their stores when they start: restart them.'))
  if (report.previous !== undefined) lines.push(palette.dim('A devproxy start --https already running still signs with the old CA: restart it.'))
  if (outcome.role === 'intercept') lines.push(palette.dim('When the intercept list names a host this CA does not cover, devproxy makes a new one: run devproxy trust --intercept again then.'))
  return lines
}

/** `devproxy trust --uninstall`. */
export function formatUntrusted(outcome: TrustOutcome, dataDir: string, { palette, platform = process.platform }: FormatTrustOptions): string[] {
  const { report } = outcome
  const again = outcome.role === 'intercept' ? 'devproxy trust --intercept' : 'devproxy trust'
  if (report.ca === null) return [...formatRetired(report, palette), `There is no ${CA_NAMES[outcome.role ?? 'local']} in ${dataDir}: nothing to take out of the trust stores.`]
  return [
    ...formatRetired(report, palette),
    ...formatCaLines(report.ca, undefined, palette, outcome.role),
    '',
    ...report.stores.flatMap((store) => formatStore(store, palette)),
    '',
    palette.dim(`The CA's files stay in ${path.dirname(report.ca.certFile)} (\`${again}\` puts it back). Unset NODE_EXTRA_CA_CERTS wherever you set it to ${quote(report.ca.certFile, platform)}.`),
  ]
}

/** Intercept CAs replaced since the last run (the intercept list grew), each as it left the stores. */
function formatRetired(report: TrustOutcome['report'], palette: Palette): string[] {
  return (report.retired ?? []).flatMap((old) => [
    `Taking a replaced intercept CA (SHA-256 ${old.fingerprint}) out of the stores:`,
    ...old.stores.flatMap((store) => formatStore(store, palette).map((line) => `  ${line}`)),
    '',
  ])
}

/** `devproxy trust --print`: what the CA is, then the certificate itself. */
export function formatCaCertificate(ca: LocalCa, certFile: string): string[] {
  return [
    certFile,
    `subject:      ${ca.subject}`,
    `SHA-256:      ${ca.fingerprint256}`,
    `valid until:  ${ca.notAfter.toISOString().slice(0, 10)}`,
    `covers:       ${describePermitted(ca.permitted)}`,
    `              ${describeOutdatedCa(ca, 'but') ?? `and nothing else: its name constraints make clients refuse a certificate it signs for any other name${ca.role === 'intercept' ? ', any IP address' : ''}, e-mail address or URI, and it vouches for HTTPS servers only.`}`,
    ca.certPem.trimEnd(),
  ]
}

/** `--print --json`. */
export function caCertificateJson(ca: LocalCa, certFile: string): object {
  return {
    ca: {
      certFile,
      fingerprint: ca.fingerprint256,
      subject: ca.subject,
      notAfter: ca.notAfter.toISOString(),
      covers: describePermitted(ca.permitted).split(', '),
      pem: ca.certPem,
    },
  }
}

/** The line that makes Node.js trust the CA, in the platform's usual shell. */
export function nodeExtraCaLine(certFile: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? `$env:NODE_EXTRA_CA_CERTS = "${certFile}"` : `export NODE_EXTRA_CA_CERTS=${quotePosix(certFile)}`
}

/** `✓ Chrome/Chromium (~/.pki/nssdb): added…`, and under a store left undone, the command that finishes it. */
export function formatStore(store: StoreReport, palette: Palette): string[] {
  const line = `${MARKS[store.status](palette)} ${store.store}: ${store.detail}`
  return store.command === undefined ? [line] : [line, `    ${store.command}`]
}

const MARKS: Record<TrustStatus, (palette: Palette) => string> = {
  installed: (palette) => palette.ok('✓'),
  already: (palette) => palette.ok('✓'),
  removed: (palette) => palette.ok('✓'),
  skipped: (palette) => palette.dim('–'),
  failed: (palette) => palette.error('✗'),
}

function formatCaLines(ca: { certFile: string; fingerprint: string }, covers: string | undefined, palette: Palette, role: CaRole = 'local'): string[] {
  return [
    `${CA_NAMES[role]} ${ca.certFile}`,
    palette.dim(`  SHA-256 ${ca.fingerprint}`),
    ...(covers === undefined ? [] : [palette.dim(`  covers ${covers}, and nothing else`)]),
  ]
}

function quote(file: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? (/\s/.test(file) ? `"${file}"` : file) : quotePosix(file)
}
