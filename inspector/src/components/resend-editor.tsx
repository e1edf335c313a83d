/** The request as received, editable, to send through the proxy again. */
import { useMemo, useState } from 'preact/hooks'
import type { ResendRequest, TransactionDetail } from '../../../src/inspector/api.js'
import { buildResendRequest, draftFromDetail, type ResendDraft } from '../lib/resend.js'

export interface ResendEditorProps {
  readonly detail: TransactionDetail
  readonly pending: boolean
  readonly onSend: (request: ResendRequest) => void
  readonly onCancel: () => void
}

const valueOf = (event: Event) => (event.currentTarget as HTMLInputElement | HTMLTextAreaElement).value

export function ResendEditor({ detail, pending, onSend, onCancel }: ResendEditorProps) {
  const original = useMemo(() => draftFromDetail(detail), [detail])
  const [draft, setDraft] = useState<ResendDraft>(original)
  const [error, setError] = useState<string | null>(null)
  const set = (change: Partial<ResendDraft>) => setDraft({ ...draft, ...change })

  const submit = (event: Event) => {
    event.preventDefault()
    const built = buildResendRequest(draft, original, detail.requestBody?.truncated === true)
    if ('error' in built) {
      setError(built.error)
      return
    }
    setError(null)
    onSend(built.request)
  }

  return (
    <form class="resend-editor" data-testid="resend-editor" onSubmit={submit}>
      <div class="resend-line">
        <input aria-label="Method" class="resend-method" value={draft.method} onInput={(event) => set({ method: valueOf(event) })} />
        <input aria-label="URL (path and query)" class="resend-url" value={draft.url} onInput={(event) => set({ url: valueOf(event) })} />
      </div>
      <label>
        Headers <span class="muted">(Name: value, one a line)</span>
        <textarea rows={6} spellcheck={false} value={draft.headersText} onInput={(event) => set({ headersText: valueOf(event) })} />
      </label>
      <label>
        Body{' '}
        {draft.bodyBase64 && <span class="muted">(base64: the original body is not text)</span>}
        {detail.requestBody?.truncated === true && <span class="error"> (only part of the original was captured: this is what will be sent)</span>}
        <textarea rows={6} spellcheck={false} value={draft.body} onInput={(event) => set({ body: valueOf(event) })} />
      </label>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="button-row">
        <button type="submit" data-testid="resend-send" disabled={pending}>
          Send
        </button>
        <button type="button" onClick={() => setDraft(original)}>
          Reset
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  )
}
