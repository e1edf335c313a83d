/**
 * Pauses and resumes capture: what the inspector lists and keeps. Not "recording", which is
 * `devproxy record` and its HAR file; the count is what was captured since the last resume.
 */
import { useState } from 'preact/hooks'
import type { RecordingState } from '../../../src/inspector/api.js'
import { api } from '../api-client.js'

export interface RecordingToggleProps {
  readonly recording: RecordingState
  readonly onRecording: (recording: RecordingState) => void
}

export function RecordingToggle({ recording, onRecording }: RecordingToggleProps) {
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const toggle = async () => {
    setPending(true)
    setError(null)
    try {
      onRecording(await api.setRecording(recording.recording ? 'stop' : 'start'))
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught))
    } finally {
      setPending(false)
    }
  }

  return (
    <span class="recording">
      <button
        type="button"
        class={recording.recording ? 'record-button' : 'record-button capture-paused'}
        data-testid="capture-toggle"
        title={recording.recording ? `${recording.count} captured since capture last resumed; pause to keep the list as it is` : 'Capture is paused: new requests are neither listed nor kept'}
        disabled={pending}
        onClick={toggle}
      >
        {recording.recording ? `Pause capture (${recording.count})` : 'Resume capture'}
      </button>
      {!recording.recording && <span class="muted small">paused: new requests are neither listed nor kept</span>}
      {error !== null && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </span>
  )
}
