import { readFile, rm } from 'node:fs/promises'
import { LocalCaError } from '../tls/ca-error.js'
import { describeOutdatedCa } from '../tls/ca-restrictions.js'
import { caFiles, openLocalCa, readLocalCa, reissueLocalCa, resolveDataDir, type CaFiles, type OpenedLocalCa } from '../tls/ca-store.js'
import { interceptCaFiles, listRetiredInterceptCas, readInterceptCa } from '../tls/intercept-ca.js'
import { CA_NAMES, checkCaHosts, requireCovered, type CaRole } from '../tls/local-ca.js'
import { describePermitted, extraPermittedHosts } from '../tls/local-names.js'
import { readNameConstraints } from '../tls/name-constraints.js'
import { X509Certificate } from '../tls/x509.js'
import { applyPlans } from './apply-plan.js'
import { identifyCa, type CaIdentity } from './ca-identity.js'
import { planTrust } from './plan-trust.js'
import { runStep } from './run-step.js'
import { surveyMachine, type SurveyOptions } from './survey-machine.js'
import type { StepRunner, StoreReport, TrustAction } from './trust-step.js'

/**
 * `devproxy trust` as a service: the local CA into the stores this machine's clients read, out
 * of them again, or replaced by a new one; with `--intercept`, the intercept CA in and out. Every change goes through `run`, so that all of it
 * can be exercised with a runner that only records.
 */

export interface TrustOptions {
  /** The data directory holding the CA. Default: resolveDataDir(). */
  dir?: string
  /** Performs each step. Default: runStep, on this machine's stores. */
  run?: StepRunner
  /** What the survey of the stores looks at. Default: this machine. */
  machine?: SurveyOptions
}

/** What `--json` prints. */
export interface TrustReport {
  /** null: --uninstall found no CA. */
  readonly ca: { readonly certFile: string; readonly fingerprint: string } | null
  readonly stores: readonly StoreReport[]
  /** --reissue: the CA that was replaced, and how taking it out of the stores went. */
  readonly previous?: { readonly fingerprint: string; readonly stores: readonly StoreReport[] }
  /** --intercept: intercept CAs replaced since the last run (the list grew), taken out of the stores. */
  readonly retired?: ReadonlyArray<{ readonly fingerprint: string; readonly stores: readonly StoreReport[] }>
}

export interface TrustOutcome {
  /** Which CA. Default: 'local'. */
  readonly role?: CaRole
  readonly report: TrustReport
  /** This run made the CA (a first run, or --reissue). */
  readonly created: boolean
  /** What the CA may certify, in words (install and reissue). */
  readonly covers?: string
  /** Said on stderr: what could not be done before the stores were reached. */
  readonly warnings: readonly string[]
}

/** The CA (made first when there is none, covering `hosts` too) into every store. */
export async function trustLocalCa(options: TrustOptions & { hosts?: readonly string[] } = {}): Promise<TrustOutcome> {
  const hosts = options.hosts ?? []
  const opened = await openLocalCa({ dir: options.dir, hosts })
  // An existing CA is kept: a host it does not cover needs --reissue (the error says so).
  if (!opened.created) for (const host of hosts) requireCovered(opened.ca, host)
  const ca = identifyCa(opened.ca.certPem, opened.files.certFile)
  const stores = await changeStores(ca, 'install', options)
  // A CA from an older devproxy is installed as it is (the user may trust it already), and said so.
  const outdated = describeOutdatedCa(opened.ca)
  return { report: { ca: summary(ca), stores }, created: opened.created, covers: describePermitted(opened.ca.permitted), warnings: outdated === undefined ? [] : [outdated] }
}

/**
 * The intercept CA into every store. It is never made here: the forward proxy makes it for the
 * hosts it intercepts (intercept-ca.ts); `ca_missing` says how when there is none yet.
 */
export async function trustInterceptCa(options: TrustOptions = {}): Promise<TrustOutcome> {
  const opened = await requireInterceptCa(options)
  const retired = await untrustRetired(options)
  const ca = identifyCa(opened.ca.certPem, opened.files.certFile, 'intercept')
  const stores = await changeStores(ca, 'install', options)
  return { role: 'intercept', report: { ca: summary(ca), stores, ...retired }, created: false, covers: describePermitted(opened.ca.permitted), warnings: [] }
}

/**
 * Intercept CAs replaced since the last run out of every store; a certificate is forgotten once
 * no store failed to let go of it. `{ retired }` for the report, or nothing when there were none.
 */
async function untrustRetired(options: TrustOptions): Promise<Pick<TrustReport, 'retired'>> {
  const retired: Array<{ fingerprint: string; stores: StoreReport[] }> = []
  for (const old of await listRetiredInterceptCas(options.dir ?? resolveDataDir())) {
    let ca: CaIdentity
    try {
      ca = identifyCa(old.certPem, old.certFile, 'intercept')
    } catch {
      await rm(old.certFile, { force: true })
      continue
    }
    const stores = await changeStores(ca, 'uninstall', options)
    if (!stores.some((store) => store.status === 'failed')) await rm(old.certFile, { force: true })
    retired.push({ fingerprint: ca.fingerprint256, stores })
  }
  return retired.length === 0 ? {} : { retired }
}

/** The CA (the local one, or with `role: 'intercept'` the intercept CA) out of every store that holds it. Its files stay. */
export async function untrustLocalCa(options: TrustOptions & { role?: CaRole } = {}): Promise<TrustOutcome> {
  const role = options.role ?? 'local'
  const files = caFiles(options.dir ?? resolveDataDir(), role)
  const retired = role === 'intercept' ? await untrustRetired(options) : {}
  const current = await readCaCertificate(files)
  if (current === undefined) return { role, report: { ca: null, stores: [], ...retired }, created: false, warnings: [] }
  return { role, report: { ca: summary(current.ca), stores: await changeStores(current.ca, 'uninstall', options), ...retired }, created: false, warnings: [] }
}

/**
 * A new CA in place of the old: the old one out of the stores first (while its certificate is
 * still there to name it), then the new one, covering what the old one did plus `hosts`, in.
 */
export async function reissueLocalCaAndTrust(options: TrustOptions & { hosts?: readonly string[] } = {}): Promise<TrustOutcome> {
  const files = caFiles(options.dir ?? resolveDataDir())
  checkCaHosts(options.hosts ?? [])
  const warnings: string[] = []
  let old: Awaited<ReturnType<typeof readCaCertificate>>
  try {
    old = await readCaCertificate(files)
  } catch (error) {
    if (!(error instanceof LocalCaError)) throw error
    warnings.push(`${error.message}: devproxy cannot tell which certificate to take out of the trust stores, so it only replaces the files`)
  }
  const previous = old === undefined ? undefined : { fingerprint: old.ca.fingerprint256, stores: await changeStores(old.ca, 'uninstall', options) }
  const opened = await reissueLocalCa({ dir: files.dir, hosts: [...(old?.extraHosts ?? []), ...(options.hosts ?? [])] })
  const ca = identifyCa(opened.ca.certPem, opened.files.certFile)
  const stores = await changeStores(ca, 'install', options)
  const report = { ca: summary(ca), stores, ...(previous === undefined ? {} : { previous }) }
  return { report, created: true, covers: describePermitted(opened.ca.permitted), warnings }
}

/** The CA for --print, never made by it. */
export async function requireLocalCa(options: Pick<TrustOptions, 'dir'> = {}): Promise<OpenedLocalCa> {
  const dir = options.dir ?? resolveDataDir()
  const opened = await readLocalCa(dir)
  if (opened !== undefined) return opened
  throw new LocalCaError('ca_missing', `there is no devproxy local CA yet (looked in ${dir})`, {
    file: caFiles(dir).certFile,
    suggestion: '`devproxy trust` makes it and installs it where your browsers and tools look.',
  })
}

/** The intercept CA for --intercept and --intercept --print, never made by them. */
export async function requireInterceptCa(options: Pick<TrustOptions, 'dir'> = {}): Promise<OpenedLocalCa> {
  const dir = options.dir ?? resolveDataDir()
  const opened = await readInterceptCa(dir)
  if (opened !== undefined) return { ...opened, created: false }
  throw new LocalCaError('ca_missing', `there is no devproxy intercept CA yet (looked in ${dir})`, {
    file: interceptCaFiles(dir).certFile,
    suggestion: 'devproxy makes it when it first intercepts a host: `devproxy start --intercept HOST` (or outbound.intercept in proxy.config.ts), then `devproxy trust --intercept`.',
  })
}

async function changeStores(ca: CaIdentity, action: TrustAction, options: TrustOptions): Promise<StoreReport[]> {
  const facts = await surveyMachine(ca, options.machine)
  return applyPlans(planTrust(facts, ca, action), action, options.run ?? runStep)
}

/**
 * The certificate alone, which is all that names the CA in the stores: a CA whose key is lost
 * or that has expired can still be taken out of them. Undefined when there is none.
 */
async function readCaCertificate(files: CaFiles): Promise<{ ca: CaIdentity; extraHosts: string[] } | undefined> {
  let pem: string
  try {
    pem = await readFile(files.certFile, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new LocalCaError('ca_unreadable', `cannot read the devproxy CA certificate ${files.certFile}: ${(error as Error).message}`, { file: files.certFile, cause: error })
  }
  try {
    const constraints = readNameConstraints(new X509Certificate(pem))
    return { ca: identifyCa(pem, files.certFile, files.role), extraHosts: constraints === undefined ? [] : extraPermittedHosts(constraints.permitted) }
  } catch (error) {
    throw new LocalCaError('ca_invalid', `the devproxy CA file ${files.certFile} does not hold a readable certificate`, {
      file: files.certFile,
      cause: error,
      suggestion: `NSS entries devproxy made are named "${CA_NAMES[files.role]} …" (\`certutil -L -d sql:$HOME/.pki/nssdb\` lists them; \`certutil -D -d sql:$HOME/.pki/nssdb -n NAME\` removes one).`,
    })
  }
}

function summary(ca: CaIdentity): { certFile: string; fingerprint: string } {
  return { certFile: ca.certFile, fingerprint: ca.fingerprint256 }
}
