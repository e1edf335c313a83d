import type { ActiveFault, FaultCounters } from '../faults/types.js'

/** The control API's JSON, shared by its server and its client. */

export interface RouteSummary {
  readonly name: string
  readonly path: string
  readonly host?: string
  readonly methods?: readonly string[]
  readonly targets: readonly string[]
  /** Forward mode: an outbound host's implicit route (made when a request for it arrived). */
  readonly outbound?: boolean
}

/** `GET /v1/status`. */
export interface ProxyStatus {
  readonly pid: number
  /** The main URL: `http://…`, or `https://…` when that port speaks HTTPS. */
  readonly url: string
  /** Every URL it listens on, the main one first; absent from a devproxy too old to send it. */
  readonly urls?: readonly string[]
  /** The command that runs it: `start`, `record` or `replay`. */
  readonly command: string
  /** Absent for `--target` and `--demo`. */
  readonly configFile?: string
  /** Epoch ms. */
  readonly startedAt: number
  readonly routes: readonly RouteSummary[]
  /** Forward mode is on; absent when off. */
  readonly forward?: boolean
  /** Forward mode: the intercept CA's certificate file; absent when none is on disk. */
  readonly interceptCaPath?: string
  /** Forward mode with hosts intercepted: the intercept CA (PEM), what clients must trust. */
  readonly interceptCaPem?: string
  readonly faults: readonly ActiveFault[]
  readonly counters: FaultCounters
}

/**
 * A change to the faults made through the API, as the proxy logs it. `by`: `devproxy fault`
 * (the bearer token, from devproxy's own client), `inspector` (a browser's session) or
 * `control API` (the token, from another tool).
 */
export interface FaultsChange {
  readonly change: 'added' | 'removed'
  readonly faults: readonly ActiveFault[]
  readonly by: 'devproxy fault' | 'inspector' | 'control API'
}

/** The User-Agent devproxy's own client sends, so the proxy can say who changed its faults. */
export const CLIENT_USER_AGENT = 'devproxy-cli'

/** `POST /v1/faults` answers with the faults it added. */
export interface AddedFaults {
  readonly faults: readonly ActiveFault[]
}

/** `POST /v1/inspector/login`: the inspector's one-time login link in force (a fresh one once the last was used). */
export interface InspectorLogin {
  readonly url: string
}

/** `DELETE /v1/faults`. */
export interface ClearedFaults {
  readonly cleared: number
}

/** Every error answer (the same for the inspector's calls, so it is the local API's). */
export type { ErrorBody } from '../local-api/http-api.js'
