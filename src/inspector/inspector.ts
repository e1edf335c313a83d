import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { describeFault } from '../faults/describe.js'
import type { Denial } from '../local-api/access.js'
import type { RouteTable } from '../local-api/http-api.js'
import type { FaultRegistry } from '../faults/registry.js'
import type { Metrics } from '../metrics/route-metrics.js'
import type { CapturedBody } from '../proxy/index.js'
import type { Engine } from '../proxy/index.js'
import type { TransactionSink } from '../proxy/index.js'
import { DEFAULT_REDACT } from '../record/har-entry.js'
import type { ActiveFaultView, RecordingState } from './api.js'
import { createHistory, UNWATCHED_HISTORY_COUNT, type HistoryOptions } from './history.js'
import { planResend, RESEND_HEADER } from './resend.js'
import { sendResend } from './send-resend.js'
import { inspectorRoutes } from './routes.js'
import { signInPage, type Page } from './pages.js'
import { checkHostAndOrigin, checkSession, createSessions, type Sessions } from './session.js'
import { createEventStream } from './stream.js'
import { summarizeTransaction } from './summary.js'

/**
 * The inspector (issue 20): a transaction sink keeping a bounded history, and what the control
 * server serves a browser from it. With no browser connected it costs each transaction one
 * reference appended to the history: bodies are captured, summaries built and events sent
 * only while one watches.
 */

export interface InspectorOptions {
  readonly engine: Engine
  readonly faults: FaultRegistry
  readonly metrics: Metrics
  /** The proxy's URL, as bound: where resent requests go. */
  readonly proxyUrl: string
  /** Every URL the proxy listens on, the main one first: what the page shows. Default: `[proxyUrl]`. */
  readonly proxyUrls?: readonly string[] | undefined
  /** The control server's port, once it listens: the inspector's origin is `http://127.0.0.1:PORT`. */
  port(): number
  readonly history?: HistoryOptions | undefined
  /**
   * Each request and response body is captured up to this many bytes while a browser watches
   * (more when the command captures more: `record`). Default: 1 MiB.
   */
  readonly captureBodyBytes?: number | undefined
  /** Where the UI's files are. Default: dist/inspector-ui/ of the package. */
  readonly uiDir?: string | undefined
}

export interface Inspector {
  /** Keeps each finished transaction: add it to the engine's sinks. */
  readonly sink: TransactionSink
  readonly routes: RouteTable
  readonly sessions: Sessions
  /** A call of a route marked `session` without the control token: its Host, Origin and session header (session.ts). */
  checkSession(req: Pick<IncomingMessage, 'headers' | 'method'>): Denial | undefined
  /** A call of a route marked `anyone` (the UI's files, the sign-in): its Host and Origin. */
  checkAnyone(req: Pick<IncomingMessage, 'headers'>): Denial | undefined
  /** The page a browser sees when one of the inspector's pages refuses it: how to sign in. */
  refusalPage(status: number, message: string): Page
  /** The one-time login link in force, `http://127.0.0.1:PORT/inspector/login#token=…` (api.ts: the token stays in the browser). */
  loginUrl(): string
  /** The faults were changed through the API: browsers see it now rather than within a second. */
  faultsChanged(): void
  /** Ends the browsers' streams and sets the body capture back. */
  close(): void
}

/** Default for {@link InspectorOptions.captureBodyBytes}: 1 MiB. */
export const INSPECTOR_CAPTURE_BYTES = 1024 * 1024

export function createInspector(options: InspectorOptions): Inspector {
  const { engine, faults, metrics } = options
  const captureBytes = options.captureBodyBytes ?? INSPECTOR_CAPTURE_BYTES
  const history = createHistory({ unwatchedCount: UNWATCHED_HISTORY_COUNT, ...options.history })
  const sessions = createSessions()
  // On from the start; `count` is of the transactions kept since the last start.
  let recording = true
  let recorded = 0
  const recordingState = (): RecordingState => ({ recording, count: recorded })
  const faultViews = (): ActiveFaultView[] =>
    faults.list().map((fault) => ({ id: fault.id, kind: fault.kind, description: describeFault(fault), source: fault.source, matched: fault.matched, injected: fault.injected }))
  const stream = createEventStream({
    snapshot: () => ({
      transactions: Array.from(history.values(), summarizeTransaction),
      faults: faultViews(),
      recording: recordingState(),
      history: { maxCount: history.maxCount, maxBytes: history.maxBytes },
      proxyUrl: options.proxyUrl,
      proxyUrls: options.proxyUrls ?? [options.proxyUrl],
    }),
    metrics: () => metrics.snapshot(),
    faults: faultViews,
    recording: recordingState,
    onWatched: (watched) => {
      engine.setCaptureBodyBytes(watched ? captureBytes : 0)
      // Opened once, the inspector keeps its whole history from then on.
      if (watched) history.watch()
    },
  })

  // Resends waiting for their transaction, by marker.
  const resends = new Map<string, (id: string) => void>()
  const sink: TransactionSink = (tx) => {
    if (resends.size > 0) {
      const marker = tx.requestHeaders[RESEND_HEADER]
      if (typeof marker === 'string') resends.get(marker)?.(tx.id)
    }
    if (!recording) return
    history.append(tx, capturedBytes(tx.requestBody, engine) + capturedBytes(tx.responseBody, engine))
    recorded++
    if (stream.clients > 0) stream.publish(tx)
  }

  const loginUrl = () => `http://127.0.0.1:${options.port()}/inspector/login#token=${sessions.loginToken()}`
  const routes = inspectorRoutes({
    sessions,
    loginUrl,
    stream,
    history,
    uiDir: options.uiDir,
    setRecording(on) {
      if (on !== recording) {
        recording = on
        if (on) recorded = 0
        stream.recordingChanged()
      }
      return recordingState()
    },
    async resend(original, edit) {
      const plan = planResend(original, edit)
      const marker = randomBytes(12).toString('base64url')
      const finished = new Promise<string>((resolve) => resends.set(marker, resolve))
      const inFlight = () => {
        for (const tx of engine.inFlight) if (tx.requestHeaders[RESEND_HEADER] === marker) return tx.id
        return undefined
      }
      try {
        return await sendResend(options.proxyUrls ?? [options.proxyUrl], plan, marker, inFlight, finished)
      } finally {
        resends.delete(marker)
      }
    },
    harOptions: () => {
      const { record } = engine.state.config
      return { redact: new Set([...DEFAULT_REDACT, ...record.redact.map((name) => name.toLowerCase())]), maxBodyBytes: record.maxBodyBytes }
    },
  })

  return {
    sink,
    routes,
    sessions,
    checkSession: (req) => checkSession(req.headers, req.method ?? 'GET', options.port(), sessions),
    checkAnyone: (req) => checkHostAndOrigin(req.headers, options.port()),
    refusalPage: signInPage,
    loginUrl,
    faultsChanged: () => stream.faultsChanged(),
    close: () => stream.close(),
  }
}

/**
 * The bytes a capture holds, counted without joining its chunks: at most the capture's cap,
 * the one in force now (a transaction that started under a higher one, as the last browser
 * left, is counted a little short).
 */
function capturedBytes(body: CapturedBody | undefined, engine: Engine): number {
  return body === undefined ? 0 : Math.min(body.totalBytes, engine.captureBodyBytes)
}
