/** The title bar: which proxy this is, whether the live feed is up, and recording. */
import type { RecordingState } from '../../../src/inspector/api.js'
import type { ConnectionState } from '../lib/inspector-state.js'
import { RecordingToggle } from './recording-toggle.js'

const CONNECTION_LABELS: Record<ConnectionState, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  closed: 'disconnected',
}

export interface TopBarProps {
  /** Every URL the proxy listens on (plain and HTTPS with --https-port). */
  readonly proxyUrls: readonly string[]
  readonly connection: ConnectionState
  readonly recording: RecordingState
  readonly onRecording: (recording: RecordingState) => void
  readonly onReconnect: () => void
}

export function TopBar({ proxyUrls, connection, recording, onRecording, onReconnect }: TopBarProps) {
  return (
    <header class="top-bar">
      <h1>devproxy inspector</h1>
      {proxyUrls.length > 0 && (
        <span class="muted" title="The proxy this inspector watches" data-testid="proxy-urls">
          {proxyUrls.join(' · ')}
        </span>
      )}
      <span class={`connection connection-${connection}`} data-testid="connection" role="status">
        {CONNECTION_LABELS[connection]}
      </span>
      {connection === 'closed' && (
        <span class="notice">
          The server refused the live feed: the session may have expired (open the link devproxy printed again), or devproxy stopped.{' '}
          <button type="button" onClick={onReconnect}>
            Reconnect
          </button>
        </span>
      )}
      <span class="spacer" />
      <RecordingToggle recording={recording} onRecording={onRecording} />
    </header>
  )
}
