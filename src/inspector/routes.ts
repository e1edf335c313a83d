import type { IncomingMessage } from 'node:http'
import { ANSWERED, ApiError, pathOf, queryOf, readJsonBody, type RouteTable } from '../local-api/http-api.js'
import { isPlainObject } from '../config/checks.js'
import type { Transaction } from '../proxy/index.js'
import type { RecordingState, SessionGranted } from './api.js'
import { transactionDetail } from './detail.js'
import { buildHarFile, type HarFileOptions } from './har-file.js'
import type { TransactionHistory } from './history.js'
import type { Sessions } from './session.js'
import type { EventStream } from './stream.js'
import { readUiFile } from './ui-files.js'

/**
 * The inspector's endpoints on the control server (api.ts lists them): the login link, the
 * UI's files, the event stream and the calls the UI makes. The control server checks who may
 * call each (`auth`) before a handler runs.
 */

export interface InspectorParts {
  readonly sessions: Sessions
  /** The one-time login link in force. */
  loginUrl(): string
  readonly stream: EventStream
  readonly history: TransactionHistory
  setRecording(on: boolean): RecordingState
  /** Resends a transaction's request (edited); resolves with the new transaction's id. */
  resend(original: Readonly<Transaction>, edit: unknown): Promise<string>
  harOptions(): HarFileOptions
  /** Where the UI's files are. Default: dist/inspector-ui/ of the package. */
  readonly uiDir?: string | undefined
}

/** A resend may carry an edited body: more than the control API's fault lists, within reason. */
const MAX_RESEND_BODY_BYTES = 16 * 1024 * 1024

export function inspectorRoutes(parts: InspectorParts): RouteTable {
  const { history, stream } = parts
  const known = (id: string) => {
    const tx = history.get(id)
    if (tx === undefined) throw new ApiError(404, 'not_found', `transaction ${JSON.stringify(id)} is not in the inspector's history (it keeps the last ${history.maxCount})`)
    return tx
  }
  return [
    {
      // The UI's relative links need the slash.
      pattern: /^\/inspector$/,
      auth: 'anyone',
      page: true,
      methods: { GET: () => ({ status: 308, raw: '', headers: { location: '/inspector/', 'cache-control': 'no-store' } }) },
    },
    {
      // The UI's files hold nothing of the traffic: anyone on the right Host gets them. The login
      // link (`/inspector/login#token=…`) is the UI too; its script does the sign-in.
      pattern: /^\/inspector\/(.*)$/,
      auth: 'anyone',
      page: true,
      // The raw path: the file reader checks each segment itself.
      methods: { GET: (req) => readUiFile(pathOf(req).slice('/inspector/'.length), parts.uiDir) },
    },
    {
      pattern: /^\/v1\/inspector\/session$/,
      auth: 'anyone',
      methods: { POST: (req) => signIn(parts, req) },
    },
    {
      pattern: /^\/v1\/inspector\/login$/,
      methods: { POST: () => ({ status: 200, body: { url: parts.loginUrl() } }) },
    },
    {
      pattern: /^\/v1\/inspector\/stream$/,
      auth: 'session',
      methods: {
        GET: (_req, _params, res) => {
          stream.connect(res)
          return ANSWERED
        },
      },
    },
    {
      pattern: /^\/v1\/inspector\/transactions\/([^/]+)$/,
      auth: 'session',
      methods: {
        GET: async (_req, [id = '']) => {
          const tx = known(id)
          return { status: 200, body: await transactionDetail(tx, history.previousOf(tx)) }
        },
      },
    },
    {
      pattern: /^\/v1\/inspector\/transactions\/([^/]+)\/resend$/,
      auth: 'session',
      methods: {
        POST: async (req, [id = '']) => {
          const original = known(id)
          const edit = await readJsonBody(req, MAX_RESEND_BODY_BYTES)
          return { status: 201, body: { id: await parts.resend(original, edit) } }
        },
      },
    },
    {
      pattern: /^\/v1\/inspector\/har$/,
      auth: 'session',
      methods: {
        GET: async (req) => {
          const ids = queryOf(req).get('ids')
          const chosen = ids === null || ids === '' ? history.values() : ids.split(',').map(known)
          const stamp = new Date().toISOString().slice(0, 19).replaceAll(':', '-')
          return {
            status: 200,
            raw: await buildHarFile(chosen, parts.harOptions()),
            headers: {
              'content-type': 'application/json; charset=utf-8',
              'content-disposition': `attachment; filename="devproxy-${stamp}.har"`,
              'cache-control': 'no-store',
            },
          }
        },
      },
    },
    {
      pattern: /^\/v1\/inspector\/recording$/,
      auth: 'session',
      methods: {
        POST: async (req) => {
          const body = await readJsonBody(req)
          if (!isPlainObject(body) || (body.action !== 'start' && body.action !== 'stop')) {
            throw new ApiError(400, 'recording_invalid', 'the body must be {"action": "start"} or {"action": "stop"}')
          }
          return { status: 200, body: parts.setRecording(body.action === 'start') }
        },
      },
    },
  ]
}

/**
 * `POST /v1/inspector/session` `{ token }`: the one-time login token for a session, which the
 * page keeps in its tab's sessionStorage and sends in the `x-devproxy-session` header. From the
 * inspector's own page only: like every unsafe call, it needs the Origin a browser sends (the
 * control server has checked that any Origin given is the inspector's own).
 */
async function signIn(parts: InspectorParts, req: IncomingMessage) {
  if (req.headers.origin === undefined) throw new ApiError(403, 'forbidden', 'signing in needs the Origin header a browser sends: open the login link in a browser')
  const body = await readJsonBody(req)
  const token = isPlainObject(body) && typeof body.token === 'string' ? body.token : undefined
  if (token === undefined) throw new ApiError(400, 'session_invalid', 'the body must be {"token": "…"}, the token of the login link')
  const session = parts.sessions.redeem(token)
  if (session === undefined) {
    throw new ApiError(401, 'unauthorized', 'this login link was already used, or belongs to another run of devproxy: run `devproxy status` in the project for a new one')
  }
  const granted: SessionGranted = { session }
  return { status: 201, body: granted, headers: { 'cache-control': 'no-store' } }
}
