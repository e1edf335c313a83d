import type { Browser } from 'playwright-core'

/** Where Chromium is looked for when CHROMIUM_PATH is not set. */
export declare const CHROMIUM_CANDIDATES: readonly string[]
export declare const INSTALL_HINT: string

/** `CHROMIUM_PATH` if set (and only it), else the first of CHROMIUM_CANDIDATES installed. */
export declare function findChromium(env?: NodeJS.ProcessEnv): string | undefined
/** NSS's certutil (Debian: libnss3-tools) on PATH. */
export declare function findCertutil(env?: NodeJS.ProcessEnv): string | undefined
/** Why a trusting browser cannot be started here, or undefined when it can. */
export declare function missingBrowserReason(env?: NodeJS.ProcessEnv): string | undefined
/** A fresh HOME whose NSS database ($HOME/.pki/nssdb) trusts each PEM file as a CA for TLS servers (added to Chromium's own roots). */
export declare function makeTrustingHome(trust: readonly string[]): Promise<string>

export interface LaunchBrowserOptions {
  /** CA certificate files (PEM) the browser trusts. Default: none. */
  trust?: readonly string[]
  /** More Chromium flags. Default: none (`--no-sandbox` is added when running as root). */
  args?: readonly string[]
}

export interface LaunchedBrowser {
  readonly browser: Browser
  /** The HOME Chromium runs with (its NSS database is in .pki/nssdb). */
  readonly home: string
  /** Closes the browser and removes HOME. */
  close(): Promise<void>
}

/** Headless Chromium (playwright-core) trusting only the CAs in `trust`. */
export declare function launchBrowser(options?: LaunchBrowserOptions): Promise<LaunchedBrowser>
