import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { Entry } from 'har-format'
import { buildErrorResponse, type ErrorType } from '../proxy/index.js'
import type { StandInNote, Transaction } from '../proxy/index.js'
import type { DevproxyEntryFields } from './har-entry.js'
import type { ReplayMatch } from './replay-match.js'
import { syntheticResponse } from '../proxy/index.js'
import { missResponse, recordedBody, recordedResponse } from './replay-response.js'

/**
 * What `devproxy replay` answers for a match. A recorded entry is served as it was recorded,
 * unless it cannot stand for a response: a body that is incomplete (cut at --max-body, or cut
 * off mid-stream) is never served as a whole one, and a request that failed (HAR status 0) is
 * answered as a failure — both by devproxy's own 502, which says which entry and why.
 */
export function replayResponse(match: ReplayMatch, tx: Transaction, url: string, paced = false): { readonly response: IncomingMessage; readonly note: StandInNote } {
  if (match.kind === 'miss') return { response: missResponse(match, tx.method, url), note: { replay: 'miss' } }
  const problem = entryProblem(match.entry)
  if (problem === undefined) return { response: recordedResponse(match.entry, paced), note: { replay: 'hit' } }
  const { type, message, hint } = problem === 'truncated' ? describeTruncated(match.entry, tx.method, url) : describeFailed(match.entry, tx.method, url)
  const response = buildErrorResponse(type, { message, hint })
  const body = Buffer.from(response.body)
  const headers: IncomingHttpHeaders = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(body.length),
    'cache-control': 'no-store',
    'x-devproxy-error': type,
    'x-devproxy-replay': problem,
  }
  return { response: syntheticResponse(response.status, headers, body), note: { replay: 'hit', error: { type, message } } }
}

/** Why a recorded entry cannot be served as a response; undefined when it can. */
export function entryProblem(entry: Entry): 'truncated' | 'failed' | undefined {
  if (!(entry.response.status >= 100)) return 'failed'
  if (devproxyFields(entry)?.truncated?.response === true) return 'truncated'
  return undefined
}

function devproxyFields(entry: Entry): Partial<DevproxyEntryFields> | undefined {
  return (entry as { _devproxy?: Partial<DevproxyEntryFields> })._devproxy
}

interface Described {
  readonly type: ErrorType
  readonly message: string
  readonly hint: string
}

function describeTruncated(entry: Entry, method: string, url: string): Described {
  const kept = recordedBody(entry).length
  const size = entry.response.content?.size ?? kept
  const ending = devproxyFields(entry)?.ending
  if (size > kept) {
    return {
      type: 'replay_truncated',
      message: `the recorded response to ${method} ${url} was cut at --max-body: ${kept} of ${size} bytes recorded`,
      hint: `A cut body is never replayed as a whole one. Record it again with a larger limit: devproxy record --max-body ${size} (or record.maxBodyBytes in proxy.config.ts).`,
    }
  }
  return {
    type: 'replay_truncated',
    message: `the recorded response to ${method} ${url} is incomplete: it ${ending === 'shutdown' ? 'was still streaming when the recording stopped' : 'broke off'} after ${kept} bytes${ending ? ` (ending: ${ending})` : ''}`,
    hint: 'An incomplete body is never replayed as a whole one. Record the request again and let its response finish before stopping the recorder.',
  }
}

function describeFailed(entry: Entry, method: string, url: string): Described {
  // Chrome writes the network error as `response._error`; devproxy as `_devproxy.error` / `ending`.
  const chrome = (entry.response as { _error?: unknown })._error
  const fields = devproxyFields(entry)
  const reason = typeof chrome === 'string' ? chrome : (fields?.error ?? fields?.ending ?? undefined)
  return {
    type: 'replay_failed_entry',
    message: `the recorded ${method} ${url} got no response (status ${entry.response.status})${reason ? `: ${reason}` : ''}`,
    hint: 'The request failed when it was recorded, so it fails again here. Record it again with the service reachable to replay a response.',
  }
}
