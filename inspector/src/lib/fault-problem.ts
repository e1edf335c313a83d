/** What the faults panel says when the server refused a fault typed in it. Pure. */
import { ApiError } from './api-error.js'

export interface Problem {
  readonly message: string
  /** How to fix it, when the server says. */
  readonly hint: string | null
}

/**
 * One message for a fault the server refused: what is wrong with it and how to fix it, said
 * once. The server's message and its per-field issues say the same thing; the field is the one
 * typed, so its `faults[0]` path says nothing either.
 */
export function problemOf(caught: unknown): Problem {
  if (!(caught instanceof ApiError)) return { message: caught instanceof Error ? caught.message : String(caught), hint: null }
  const said = caught.issues.filter((issue) => issue.message !== undefined)
  const message = said.length > 0 ? said.map((issue) => issue.message).join('; ') : caught.message
  const hints = said.flatMap((issue) => (issue.suggestion === undefined ? [] : [issue.suggestion]))
  if (caught.routes.length > 0) hints.push(`The routes are: ${caught.routes.join(', ')}.`)
  return { message, hint: hints.length > 0 ? hints.join(' ') : null }
}
