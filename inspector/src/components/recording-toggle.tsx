/** Starts and stops recording; the count is what a recording would hold so far. */
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
        class={recording.recording ? 'record-button recording-on' : 'record-button'}
        data-testid="record-toggle"
        aria-pressed={recording.recording}
        disabled={pending}
        onClick={toggle}
      >
        {recording.recording ? `■ Stop recording (${recording.count})` : '● Record'}
      </button>
      {!recording.recording && <span class="muted small">stopped: new requests are neither kept nor listed</span>}
      {error !== null && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </span>
  )
}
