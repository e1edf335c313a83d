/**
 * Signing in to the inspector as its page does (src/inspector/api.ts, "Auth"): the login link's
 * one-time token (in its fragment) traded for a session with `POST /v1/inspector/session`, from
 * the inspector's own Origin. What a test then sends with each call: `sessionHeaders(...)`.
 */
import { SESSION_HEADER, SESSION_PATH } from '../../src/inspector/api.js'
import { request } from './servers.js'

/** The one-time token of a login link (`…/inspector/login#token=…`). */
export function loginToken(loginUrl: string): string {
  const token = new URLSearchParams(new URL(loginUrl).hash.slice(1)).get('token')
  if (token === null) throw new Error(`no #token= in ${loginUrl}`)
  return token
}

/** The control server's origin, `http://127.0.0.1:PORT`, from any URL of it. */
const originOf = (url: string) => new URL(url).origin

/** Trades the link's token for a session, as the inspector's page does; throws unless granted. */
export async function signIn(loginUrl: string): Promise<string> {
  const origin = originOf(loginUrl)
  const response = await request(`${origin}${SESSION_PATH}`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ token: loginToken(loginUrl) }),
  })
  if (response.status !== 201) throw new Error(`signing in: ${response.status} ${response.body.toString()}`)
  return (JSON.parse(response.body.toString()) as { session: string }).session
}

/** The headers of a call of the inspector's page: its session, and its Origin (unsafe methods need one). */
export function sessionHeaders(session: string, controlUrl: string): Record<string, string> {
  return { [SESSION_HEADER]: session, origin: originOf(controlUrl) }
}
