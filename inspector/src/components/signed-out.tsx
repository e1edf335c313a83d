/** What a tab without a session shows: why, and how to get a login link. */
import type { SignedOutReason } from '../hooks/use-session.js'

const WHY: Record<SignedOutReason, string> = {
  'no-session': 'This tab is not signed in. Each login link signs in the one tab it is opened in; a new tab needs a new link.',
  'link-used': 'This login link was already used, or belongs to another run of devproxy. Each link works once.',
  expired: 'The inspector no longer knows this session: devproxy stopped or restarted.',
  failed: 'Signing in failed.',
}

export function SignedOut({ reason, message }: { readonly reason: SignedOutReason; readonly message?: string | undefined }) {
  return (
    <main class="signed-out" data-testid="signed-out">
      <h1>devproxy inspector</h1>
      <p>{WHY[reason]}</p>
      {message !== undefined && <p class="error">{message}</p>}
      <p>
        Open the link that <code>devproxy start</code> printed (<code>inspector: http://127.0.0.1:…/inspector/login#token=…</code>), or run{' '}
        <code>devproxy status</code> in the project's directory for a new one.
      </p>
    </main>
  )
}
