// A real Chromium that trusts a CA the way a user's does: through the NSS database in
// $HOME/.pki/nssdb, which Chromium on Linux reads for its certificate verification. No
// ignoreHTTPSErrors anywhere: a page that loads proves the certificate chain was accepted.
// Plain JS (with chromium.d.ts) so that bench/ can drive the same browser as the tests.
import { execFile } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Where Chromium is looked for when CHROMIUM_PATH is not set. */
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
export const INSTALL_HINT = 'install: sudo apt-get install chromium libnss3-tools'

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** `CHROMIUM_PATH` if set (and only it: a wrong path is a mistake to report, not to paper over), else the first candidate installed. */
export function findChromium(env = process.env) {
  if (env.CHROMIUM_PATH) return isExecutable(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined
  return CHROMIUM_CANDIDATES.find(isExecutable)
}

/** NSS's certutil (Debian: libnss3-tools) on PATH. */
export function findCertutil(env = process.env) {
  return (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'certutil')).find(isExecutable)
}

/** Why a trusting browser cannot be started here, or undefined when it can. */
export function missingBrowserReason(env = process.env) {
  const missing = []
  if (findChromium(env) === undefined) missing.push(env.CHROMIUM_PATH ? `chromium not found at CHROMIUM_PATH=${env.CHROMIUM_PATH}` : `chromium not found (looked for CHROMIUM_PATH, ${CHROMIUM_CANDIDATES.join(', ')})`)
  if (findCertutil(env) === undefined) missing.push('certutil not found on PATH')
  return missing.length === 0 ? undefined : `${missing.join('; ')} — ${INSTALL_HINT}`
}

/**
 * A fresh HOME whose NSS database trusts each PEM file in `trust` as a CA for TLS servers
 * (`C,,`): the only CAs added to the roots Chromium ships with, none of which vouches for a local name.
 */
export async function makeTrustingHome(trust) {
  const home = await mkdtemp(join(tmpdir(), 'devproxy-browser-home-'))
  const db = `sql:${join(home, '.pki', 'nssdb')}`
  const certutil = findCertutil() ?? 'certutil'
  try {
    await mkdir(join(home, '.pki', 'nssdb'), { recursive: true })
    await run(certutil, ['-N', '-d', db, '--empty-password'])
    for (const [i, file] of trust.entries()) {
      await run(certutil, ['-A', '-d', db, '-n', `devproxy-test-${i}`, '-t', 'C,,', '-i', file])
    }
  } catch (error) {
    await rm(home, { recursive: true, force: true })
    throw new Error(`cannot prepare the NSS database in ${home}: ${error.stderr?.trim() || error.message}`, { cause: error })
  }
  return home
}

/**
 * Chromium (headless) through playwright-core, with HOME set to a new NSS home trusting the CA
 * files in `trust` (none: a browser that trusts no local CA). `close()` ends it and removes HOME.
 */
export async function launchBrowser({ trust = [], args = [] } = {}) {
  const executablePath = findChromium()
  if (executablePath === undefined) throw new Error(missingBrowserReason())
  const home = await makeTrustingHome(trust)
  const { chromium } = await import('playwright-core')
  let browser
  try {
    browser = await chromium.launch({
      executablePath,
      env: { ...process.env, HOME: home },
      // Chromium's sandbox refuses to run as root (containers, CI).
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ...args],
    })
  } catch (error) {
    await rm(home, { recursive: true, force: true })
    throw error
  }
  return {
    browser,
    home,
    async close() {
      await browser.close()
      await rm(home, { recursive: true, force: true })
    },
  }
}
