import type { ListenerNotice } from './handshake-failure.js'

/** How long a notice stays said: the same one again within this is not repeated. */
const QUIET_MS = 60_000

/**
 * Passes each notice on the first time its key is seen, then not again for a minute: a browser
 * that does not trust the CA retries every subresource, and one line says it.
 */
export function onceEach(notify: ((notice: ListenerNotice) => void) | undefined, now: () => number = Date.now): ((notice: ListenerNotice) => void) | undefined {
  if (notify === undefined) return undefined
  const said = new Map<string, number>()
  return (notice) => {
    const at = now()
    const last = said.get(notice.key)
    if (last !== undefined && at - last < QUIET_MS) return
    said.set(notice.key, at)
    if (said.size > 1_000) said.delete(said.keys().next().value!)
    notify(notice)
  }
}
