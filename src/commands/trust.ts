import { Flags } from '@oclif/core'
import { DevproxyCommand } from '../cli/devproxy-command.js'
import type { TrustReport } from '../trust/trust-ca.js'

export default class Trust extends DevproxyCommand {
  static override summary = "Install devproxy's local CA where browsers and tools look (or remove it)."
  static override description = `Makes the local CA that devproxy start --https signs with, if there is none yet (in your data directory, never a project), adds it to the trust stores of this machine and says per store what it did. For a store it could not change, it prints the command that finishes the job by hand. Running it again changes nothing already done.

Linux: the NSS databases of Chrome/Chromium (~/.pki/nssdb, made if missing) and of each Firefox profile, with certutil (package libnss3-tools, or nss-tools); the system store (/usr/local/share/ca-certificates and update-ca-certificates, or /etc/pki/ca-trust/source/anchors and update-ca-trust) when you may write it, else the sudo commands. macOS: the login keychain, as a trusted root. Windows: the current user's Trusted Root store. Node.js reads none of these: the NODE_EXTRA_CA_CERTS line to use is printed.

The CA can only certify localhost, *.localhost, loopback and the --host names it was made with (name constraints), so its key, should it leak, cannot impersonate a real site.

--intercept does the same for the intercept CA, the one devproxy's forward proxy signs the certificates of intercepted hosts with (devproxy start --intercept HOST, or outbound.intercept in the config). devproxy makes that CA when it first intercepts a host, never here, and makes a new one when the intercept list names a host the CA does not cover: run devproxy trust --intercept again then. It can only certify the hosts in the list it was made for: no other name, no IP address.

DEVPROXY_SYSTEM_CA_DIR makes another directory the system store; the machine's update command then does not run, DEVPROXY_SYSTEM_CA_UPDATE (if set) does instead. Tests use them.

Exit codes: 0 when every store holds the CA (with --uninstall: no longer holds it) or was left to you with the command to run (the system store without root); 1 when a store failed: its tool is missing (certutil) or refused, or the CA cannot be read or made; 2 for a wrong command line.`

  static override examples = [
    { description: 'Make the CA if needed and install it', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Show the certificate, its fingerprint and what it covers; change nothing', command: '<%= config.bin %> <%= command.id %> --print' },
    { description: 'Take it out of every store', command: '<%= config.bin %> <%= command.id %> --uninstall' },
    { description: 'Install the intercept CA (made by devproxy start --intercept HOST)', command: '<%= config.bin %> <%= command.id %> --intercept' },
    { description: 'Take the intercept CA out of every store', command: '<%= config.bin %> <%= command.id %> --intercept --uninstall' },
    { description: 'A new CA that also covers myapp.test (the old one leaves the stores first)', command: '<%= config.bin %> <%= command.id %> --reissue --host myapp.test' },
    { description: 'The report as JSON', command: '<%= config.bin %> <%= command.id %> --json' },
  ]

  // Not enableJsonFlag: oclif would print the exit that signals a failed store as an error object after the report.
  static override flags = {
    print: Flags.boolean({ summary: 'Print the CA certificate (path, fingerprint, what it covers, PEM) and change nothing.', exclusive: ['uninstall', 'reissue', 'host'] }),
    uninstall: Flags.boolean({ summary: 'Take the CA out of every store that holds it (its files stay).', exclusive: ['print', 'reissue', 'host'] }),
    reissue: Flags.boolean({ summary: 'Replace the CA with a new one: the old one leaves the stores, the new one goes in.', exclusive: ['print', 'uninstall'] }),
    host: Flags.string({
      summary: 'A name or IP range the CA may certify besides local names; repeatable.',
      helpValue: 'NAME',
      description: 'Applies when the CA is made (the first run, or --reissue, which also keeps what the old CA covered). A DNS name covers its subdomains too.',
      multiple: true,
    }),
    intercept: Flags.boolean({
      summary: 'The intercept CA (for hosts the forward proxy intercepts) instead of the local CA; with --uninstall or --print too.',
      description: 'Never makes it: devproxy start --intercept HOST (or outbound.intercept in the config) does, for the hosts you name.',
      exclusive: ['reissue', 'host'],
    }),
    json: Flags.boolean({ summary: 'Print the report as JSON ({ca, stores}; --print: {ca}).' }),
  }

  async run(): Promise<TrustReport | object> {
    const { flags } = await this.parse(Trust)
    const [service, format, { createLogger }, { resolveDataDir }] = await Promise.all([
      import('../trust/trust-ca.js'),
      import('../trust/format-trust.js'),
      import('../log/logger.js'),
      import('../tls/ca-store.js'),
    ])
    const logger = createLogger()
    const print = (lines: readonly string[]) => logger.print([...lines])

    if (flags.print) {
      const opened = flags.intercept ? await service.requireInterceptCa() : await service.requireLocalCa()
      const json = format.caCertificateJson(opened.ca, opened.files.certFile)
      if (flags.json) this.log(JSON.stringify(json, null, 2))
      else print(format.formatCaCertificate(opened.ca, opened.files.certFile))
      return json
    }

    const sudoUser = process.getuid?.() === 0 ? process.env.SUDO_USER : undefined
    if (sudoUser !== undefined && sudoUser !== 'root') {
      const { homedir } = await import('node:os')
      logger.warn(`running under sudo: the CA is the one in ${resolveDataDir()} and the browser profiles are under ${homedir()}, which may be root's rather than ${sudoUser}'s. Run devproxy trust as ${sudoUser} instead: it prints the sudo commands the system store needs.`)
    }
    const outcome = flags.uninstall
      ? await service.untrustLocalCa({ role: flags.intercept ? 'intercept' : 'local' })
      : flags.intercept
        ? await service.trustInterceptCa()
        : flags.reissue
        ? await service.reissueLocalCaAndTrust({ hosts: flags.host ?? [] })
        : await service.trustLocalCa({ hosts: flags.host ?? [] })
    for (const warning of outcome.warnings) logger.warn(warning)
    if (flags.json) this.log(JSON.stringify(outcome.report, null, 2))
    else if (flags.uninstall) print(format.formatUntrusted(outcome, resolveDataDir(), { palette: logger.palette }))
    else if (flags.intercept) print(format.formatTrusted(outcome, { palette: logger.palette, ...(await interceptedUrlToTry(outcome.covers)) }))
    else print(format.formatTrusted(outcome, { palette: logger.palette, tryUrl: await httpsUrlToTry() }))
    const stores = [...(outcome.report.previous?.stores ?? []), ...(outcome.report.retired ?? []).flatMap((old) => old.stores), ...outcome.report.stores]
    if (stores.some((store) => store.status === 'failed')) this.exit(1)
    return outcome.report
  }
}

/**
 * Where the printed curl line should point: the HTTPS port of a devproxy running for this
 * directory, else the port `devproxy start --https` listens on by default. `localhost`, the
 * name the CA covers that every client sends.
 */
async function httpsUrlToTry(): Promise<string> {
  const [{ findStates, proxyUrls, portOf }, { DEFAULT_PORT }] = await Promise.all([import('../control/state-file.js'), import('../config/defaults.js')])
  const found = await findStates(process.cwd()).catch(() => undefined)
  const https = found?.entries.filter((entry) => entry.alive).flatMap((entry) => proxyUrls(entry.state)).find((url) => url.startsWith('https:'))
  return `https://localhost:${https === undefined ? DEFAULT_PORT : portOf(https)}/`
}

/**
 * The intercept CA's curl line: an intercepted host (`*.openai.com` as `www.openai.com`) through
 * the plain-HTTP port of a devproxy running for this directory, else the default port.
 */
async function interceptedUrlToTry(covers: string | undefined): Promise<{ tryUrl: string; tryProxy: string }> {
  const [{ findStates, proxyUrls, portOf }, { DEFAULT_PORT }] = await Promise.all([import('../control/state-file.js'), import('../config/defaults.js')])
  const found = await findStates(process.cwd()).catch(() => undefined)
  const plain = found?.entries.filter((entry) => entry.alive).flatMap((entry) => proxyUrls(entry.state)).find((url) => url.startsWith('http:'))
  const hosts = (covers ?? '').split(', ').filter(Boolean)
  const host = hosts.find((name) => !name.startsWith('*.')) ?? hosts[0]?.replace(/^\*\./, 'www.') ?? 'example.com'
  return { tryUrl: `https://${host}/`, tryProxy: `http://localhost:${plain === undefined ? DEFAULT_PORT : portOf(plain)}` }
}
