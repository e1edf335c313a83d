import { dirname } from 'node:path'
import { createDeferredSink } from '../cli/deferred-sink.js'
import type { ActiveFault, FaultSpec } from '../faults/types.js'
import type { TransactionJson } from '../log/format-json.js'
import type { Recorder } from '../record/recorder.js'
import { startControlServer, type ControlServer } from '../start-control.js'
import { startProxy as composeProxy, type RunningProxy, type StartOptions } from '../start-proxy.js'
import { faultSpecOf } from './fault-input.js'
import { createLogOutput } from './log-output.js'
import type { ProxyOptions } from './options.js'
import { checkRecordingFile, openRecording } from './recording.js'
import { replayConfig } from './replay-config.js'
import { resolveOptions } from './resolve-options.js'
import { createTransactionWatch, type NextTransactionOptions, type TransactionMatch } from './transaction-watch.js'

/**
 * `import { startProxy } from 'devproxy'`: a proxy in the test's own process, put together as
 * `devproxy start` puts it (src/start-proxy.ts: the engine, the fault registry, mocks, hooks,
 * a recording), with what a test needs in place of a terminal: its transactions as `--json`
 * lines, a promise for the next one, faults added and removed in code.
 */

/** A running proxy. Each has its own port, faults and transactions: several in one process do not meet. */
export interface StartedProxy {
  /** The address it listens on, the real port when 0 was asked for: `http://127.0.0.1:53124` (`https://…` when that port speaks HTTPS). */
  readonly url: string
  /** `https://host:port` when HTTPS is served (`https: true`, or on its own port with `https: { port }`). */
  readonly httpsUrl: string | undefined
  readonly port: number
  readonly host: string
  /**
   * Forward mode (`outbound`): the intercept CA's certificate file, what a client must trust to
   * accept intercepted hosts; undefined when none is on disk (nothing intercepted, or the CA is
   * kept in memory: then `interceptCaPem`).
   */
  readonly interceptCaPath: string | undefined
  /** Forward mode with hosts intercepted: the intercept CA's certificate (PEM). */
  readonly interceptCaPem: string | undefined
  /** The transactions finished so far, oldest first, each as a `devproxy start --json` line. */
  readonly transactions: readonly TransactionJson[]
  /** Forgets the transactions finished so far (between tests of one proxy). */
  clearTransactions(): void
  /**
   * The next transaction to finish that matches (every field given; a function for anything
   * else). Call it before sending the request: one that finished before the call is not waited
   * for (it is in `transactions`). Rejects with a DevproxyError `transaction_timeout` after
   * `timeoutMs` (default 5000), and `proxy_closed` when the proxy closes first.
   */
  nextTransaction(match?: TransactionMatch | ((tx: TransactionJson) => boolean), options?: NextTransactionOptions): Promise<TransactionJson>
  /**
   * Adds a fault, from the next request on: the `devproxy start --fault` vocabulary
   * (`'5xx 100% --first 2 --route api'`, `'latency 200-800'`, `'reset 10% --path /api/**'`) or an
   * object as in the config's `faults` (`{ kind: 'status', statuses: [429], rate: 0.5 }`).
   * A mistake throws a DevproxyError (`fault_invalid`, or `config_invalid` with the field path),
   * as does a `route` this proxy does not have.
   */
  fault(fault: string | FaultSpec): Promise<ActiveFault>
  /** Removes a fault (what `fault()` returned, or its id); false when it is not there (expired, removed). */
  removeFault(fault: ActiveFault | string): Promise<boolean>
  /** Removes every fault, those from the options or config too; resolves with how many there were. */
  clearFaults(): Promise<number>
  /** The faults in force, with how many requests each matched and acted on. */
  readonly faults: readonly ActiveFault[]
  /**
   * Stops listening and releases the port, lets requests in flight finish for up to `graceMs`
   * (default 1000), then cuts what is left and every connection, client and upstream; finishes
   * the log and the recording. Safe to call twice.
   */
  close(options?: { graceMs?: number }): Promise<void>
  /**
   * The inspector's sign-in link in force (each is good for one sign-in) (`http://127.0.0.1:PORT/inspector/login#token=…`) with
   * `inspector: true`; undefined without. Its port also serves the control API, so `devproxy
   * status` and `devproxy fault` in a terminal reach this proxy while it runs.
   */
  readonly inspectorUrl: string | undefined
  /** `await using proxy = await startProxy(…)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>
}

const DEFAULT_GRACE_MS = 1_000

/**
 * Starts a proxy; resolves once it listens. Options are checked first: a mistake throws a
 * DevproxyError (`config_invalid`, whose `issues` give each field's path) and nothing starts.
 */
export async function startProxy(options: ProxyOptions): Promise<StartedProxy> {
  return (await startProxyWith(options)).started
}

/**
 * What devproxy's own tests hand the composition root beside the options (not in the package's
 * API, src/index.ts): sinks that get the engine's transactions as they are, more of each body,
 * another data directory for the local CA, the listener's notices.
 */
export type ComposeExtras = Pick<StartOptions, 'sinks' | 'captureBodyBytes' | 'caDir' | 'onNotice' | 'headersTimeoutMs'>

/**
 * `startProxy` with `extras`, resolving with the proxy composed underneath as well (the engine,
 * the fault registry): how devproxy's own integration tests start a proxy in-process.
 */
export async function startProxyWith(options: ProxyOptions, extras: ComposeExtras = {}): Promise<{ started: StartedProxy; running: RunningProxy }> {
  const resolved = await resolveOptions(options)
  const replay = resolved.replay === undefined ? undefined : await replayConfig(resolved.replay, resolved.config, options.routes !== undefined || options.config !== undefined)
  const config = replay?.config ?? resolved.config
  if (resolved.recordFile !== undefined) await checkRecordingFile(resolved.recordFile)
  const watch = createTransactionWatch(resolved.keepTransactions)
  const log = resolved.log === undefined ? undefined : createLogOutput(resolved.log, config)
  // As `devproxy record`: the recording is opened once the proxy listens, yet records from the first request.
  const recording = resolved.recordFile === undefined ? undefined : createDeferredSink()
  const proxy = await composeProxy(config, {
    ...extras,
    sinks: [...(extras.sinks ?? []), watch.sink, ...(log === undefined ? [] : [log.sink]), ...(recording === undefined ? [] : [recording.sink])],
    captureBodyBytes: Math.max(extras.captureBodyBytes ?? 0, log?.captureBodyBytes ?? 0, resolved.recordFile === undefined ? 0 : config.record.maxBodyBytes),
    replay: replay?.source,
    onSinkError: (error) => log?.note(`devproxy: a transaction sink failed: ${(error as Error).message}`),
    onNotice: (notice) => {
      extras.onNotice?.(notice)
      log?.note(`devproxy: ${notice.message}`)
    },
  })
  let recorder: Recorder | undefined
  let recordingError: unknown
  if (recording !== undefined) {
    try {
      recorder = await openRecording(resolved.recordFile!, config, (error) => {
        recordingError ??= error
        log?.note(`devproxy: recording failed: ${(error as Error).message}`)
      })
    } catch (error) {
      await proxy.close(0)
      throw error
    }
    recording.attach(recorder.sink)
  }

  let control: ControlServer | undefined
  if (resolved.inspector !== undefined) {
    try {
      control = await startControlServer({
        engine: proxy.engine,
        faults: proxy.faults,
        proxyUrl: proxy.url,
        proxyUrls: proxy.httpsUrl === undefined || proxy.httpsUrl === proxy.url ? [proxy.url] : [proxy.url, proxy.httpsUrl],
        configFile: config.file,
        stateDir: config.file === undefined ? process.cwd() : dirname(config.file),
        // A command name as the state file holds them (status shows it): the API's startProxy().
        command: 'start-proxy',
        inspectorHistory: resolved.inspector,
      })
    } catch (error) {
      await proxy.close(0)
      await recorder?.close()
      throw error
    }
  }

  let closing: Promise<void> | undefined
  const close = (graceMs = DEFAULT_GRACE_MS): Promise<void> =>
    (closing ??= (async () => {
      await control?.close()
      await proxy.close(graceMs)
      await log?.sink.flushed()
      await recorder?.close()
      watch.close()
      if (recordingError !== undefined) throw recordingError
    })())
  const routes = () => proxy.engine.state.config.routes

  const started: StartedProxy = {
    url: proxy.url,
    httpsUrl: proxy.httpsUrl,
    port: proxy.port,
    host: proxy.host,
    interceptCaPath: proxy.interceptCaPath,
    interceptCaPem: proxy.interceptCaPem,
    get transactions() {
      return watch.list()
    },
    clearTransactions: () => watch.clear(),
    nextTransaction: (match = {}, nextOptions) => watch.next(match, nextOptions),
    fault: async (fault) => ({ ...proxy.faults.add(faultSpecOf(fault, routes()), 'api') }),
    removeFault: async (fault) => proxy.faults.remove(typeof fault === 'string' ? fault : fault.id),
    clearFaults: async () => proxy.faults.clear(),
    get faults() {
      return proxy.faults.list()
    },
    // The link is for one sign-in: after it is used, the inspector hands out a new one.
    get inspectorUrl() {
      return control?.inspectorUrl()
    },
    close: (closeOptions) => close(closeOptions?.graceMs),
    [Symbol.asyncDispose]: () => close(),
  }
  return { started, running: proxy }
}
