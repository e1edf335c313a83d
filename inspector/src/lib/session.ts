/**
 * The tab's inspector session (src/inspector/api.ts, "Auth"): the one-time token of the login
 * link, read from the address bar's fragment (which the browser never sends anywhere), is traded
 * for a session kept in this tab's sessionStorage. sessionStorage is scoped to the origin, port
 * included, and to the tab: no other server on 127.0.0.1 and no other tab ever gets it, a reload
 * keeps it, closing the tab ends it. No cookie, so the browser never attaches it by itself.
 */

/** The sessionStorage key. */
export const SESSION_KEY = 'devproxy-inspector-session'

/** The token of a login link's fragment (`#token=…`), or null. Pure. */
export function tokenFromHash(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token')
  return token === null || token === '' ? null : token
}

/** Storage as the page has it; a parameter so the rules can be tested without a browser. */
export interface SessionStore {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

export function storedSession(store: SessionStore): string | null {
  try {
    return store.getItem(SESSION_KEY)
  } catch {
    // Storage refused (a sandboxed frame, a browser setting): as signed out.
    return null
  }
}

export function keepSession(store: SessionStore, session: string): void {
  store.setItem(SESSION_KEY, session)
}

export function forgetSession(store: SessionStore): void {
  try {
    store.removeItem(SESSION_KEY)
  } catch {
    // Nothing was kept.
  }
}
