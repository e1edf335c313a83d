/**
 * Signing the tab in (lib/session.ts): the login link's token, taken from the fragment and out
 * of the address bar at once, traded for a session; or the session this tab already holds (a
 * reload). Signed out when there is neither, or when the server refuses the session later.
 */
import { useEffect, useState } from 'preact/hooks'
import { onSignedOut, signIn } from '../api-client.js'
import { storedSession, tokenFromHash } from '../lib/session.js'

/** Why the tab is not signed in: no link opened in it, a link used already, or a session the server no longer knows. */
export type SignedOutReason = 'no-session' | 'link-used' | 'expired' | 'failed'

export type SessionView =
  | { readonly state: 'signing-in' }
  | { readonly state: 'signed-in' }
  | { readonly state: 'signed-out'; readonly reason: SignedOutReason; readonly message?: string }

function initialView(): SessionView {
  if (tokenFromHash(location.hash) !== null) return { state: 'signing-in' }
  return storedSession(sessionStorage) !== null ? { state: 'signed-in' } : { state: 'signed-out', reason: 'no-session' }
}

export function useSession(): SessionView {
  const [view, setView] = useState<SessionView>(initialView)

  useEffect(() => {
    const stop = onSignedOut(() => setView({ state: 'signed-out', reason: 'expired' }))
    const token = tokenFromHash(location.hash)
    if (token !== null) {
      // Out of the address bar and the tab's history before anything else: a screenshot, a
      // bookmark or a reload never carries it.
      history.replaceState(null, '', '/inspector/')
      signIn(token).then(
        (granted) => {
          // A link used already, opened again in a tab that is signed in: it stays signed in.
          if (granted || storedSession(sessionStorage) !== null) setView({ state: 'signed-in' })
          else setView({ state: 'signed-out', reason: 'link-used' })
        },
        (error: unknown) => setView({ state: 'signed-out', reason: 'failed', message: error instanceof Error ? error.message : String(error) }),
      )
    }
    return stop
  }, [])

  return view
}
