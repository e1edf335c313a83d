/** What can be done with a transaction: resend it (as it was or edited), copy it as curl or fetch. */
import { useState } from 'preact/hooks'
import type { ResendRequest, TransactionDetail } from '../../../src/inspector/api.js'
import { api } from '../api-client.js'
import { buildCurl, buildFetch, requestFromDetail } from '../lib/copy-command.js'
import { ResendEditor } from './resend-editor.js'

export interface DetailActionsProps {
  readonly detail: TransactionDetail
  readonly onSelect: (id: string) => void
  /** The proxy's `host:port`, for a request that came without a Host header. */
  readonly proxyHost: string
}

type Message = { readonly error: boolean; readonly text: string }

export function DetailActions({ detail, onSelect, proxyHost }: DetailActionsProps) {
  const [editing, setEditing] = useState(false)
  const [pending, setPending] = useState(false)
  const [message, setMessage] = useState<Message | null>(null)
  /** Shown to copy by hand when the clipboard refused (permissions, an insecure context). */
  const [manualCopy, setManualCopy] = useState<string | null>(null)
  const canResend = detail.summary.kind === 'http'
  // The server cannot resend a body it did not keep whole (409): the editor sends what was captured.
  const bodyIncomplete = detail.requestBody?.truncated === true

  const resend = async (request: ResendRequest): Promise<boolean> => {
    setPending(true)
    setMessage(null)
    try {
      const { id } = await api.resend(detail.summary.id, request)
      setMessage({ error: false, text: 'Sent; the new transaction is selected.' })
      onSelect(id)
      return true
    } catch (caught) {
      setMessage({ error: true, text: `Resend failed: ${caught instanceof Error ? caught.message : String(caught)}` })
      return false
    } finally {
      setPending(false)
    }
  }

  const copy = async (label: string, build: typeof buildCurl) => {
    const text = build(requestFromDetail(detail, proxyHost))
    setManualCopy(null)
    try {
      await navigator.clipboard.writeText(text)
      setMessage({ error: false, text: `Copied as ${label}.` })
    } catch {
      setMessage({ error: true, text: 'The clipboard refused; copy it from here:' })
      setManualCopy(text)
    }
  }

  return (
    <div class="actions">
      <div class="button-row">
        <button
          type="button"
          data-testid="resend"
          disabled={!canResend || bodyIncomplete || pending}
          title={bodyIncomplete ? 'The request body was not captured whole: use "Edit and resend" to send one' : 'Send this request again'}
          onClick={() => void resend({})}
        >
          Resend
        </button>
        <button type="button" data-testid="resend-edit" aria-expanded={editing} disabled={!canResend} onClick={() => setEditing(!editing)}>
          Edit and resend…
        </button>
        <button type="button" data-testid="copy-curl" onClick={() => void copy('curl', buildCurl)}>
          Copy as curl
        </button>
        <button type="button" data-testid="copy-fetch" onClick={() => void copy('fetch', buildFetch)}>
          Copy as fetch
        </button>
        {message !== null && (
          <span class={message.error ? 'error' : 'muted'} role="status">
            {message.text}
          </span>
        )}
      </div>
      {manualCopy !== null && (
        <textarea class="manual-copy" readOnly rows={6} value={manualCopy} onFocus={(event) => (event.currentTarget as HTMLTextAreaElement).select()} />
      )}
      {editing && (
        <ResendEditor
          detail={detail}
          pending={pending}
          onSend={async (request) => {
            if (await resend(request)) setEditing(false)
          }}
          onCancel={() => setEditing(false)}
        />
      )}
    </div>
  )
}
