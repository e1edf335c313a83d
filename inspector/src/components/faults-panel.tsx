/** Active faults, and a field that adds one in `devproxy fault`'s words (`5xx 30% --route api`). */
import { useState } from 'preact/hooks'
import type { ActiveFaultView } from '../../../src/inspector/api.js'
import { api } from '../api-client.js'
import { problemOf, type Problem } from '../lib/fault-problem.js'

export interface FaultsPanelProps {
  /** From the `faults` event; the server sends it after every change, ours included. */
  readonly faults: readonly ActiveFaultView[]
}

export function FaultsPanel({ faults }: FaultsPanelProps) {
  const [text, setText] = useState('')
  const [pending, setPending] = useState(false)
  const [problem, setProblem] = useState<Problem | null>(null)

  const run = async (action: () => Promise<unknown>, after?: () => void) => {
    setPending(true)
    setProblem(null)
    try {
      await action()
      after?.()
    } catch (caught) {
      setProblem(problemOf(caught))
    } finally {
      setPending(false)
    }
  }

  const add = (event: Event) => {
    event.preventDefault()
    const fault = text.trim()
    if (fault === '') return
    void run(() => api.addFault(fault), () => setText(''))
  }

  return (
    <section class="panel faults-panel" data-testid="faults" aria-label="Faults">
      <h2>Faults</h2>
      <form class="fault-form" onSubmit={add}>
        <input
          data-testid="fault-input"
          aria-label="Fault to add"
          placeholder="5xx 30% --route api"
          title="As for devproxy fault: 5xx 30%, status 429 50% --retry-after 2, latency 200-800 --for 1m, reset 100% --method POST --first 2"
          value={text}
          onInput={(event) => setText((event.currentTarget as HTMLInputElement).value)}
        />
        <button type="submit" data-testid="fault-add" disabled={pending || text.trim() === ''}>
          Add
        </button>
        {faults.length > 0 && (
          <button type="button" data-testid="fault-clear" disabled={pending} onClick={() => void run(api.clearFaults)}>
            Clear all
          </button>
        )}
      </form>
      {problem !== null && (
        <p class="error" role="alert" data-testid="fault-problem">
          {problem.message}
          {problem.hint !== null && <span class="muted hint"> {problem.hint}</span>}
        </p>
      )}
      {faults.length === 0 ? (
        <p class="muted">No active faults.</p>
      ) : (
        <ul class="fault-list">
          {faults.map((fault) => (
            <li key={fault.id} data-testid="fault-item" data-id={fault.id}>
              <span class="fault-description">{fault.description}</span>
              <span class="muted small">
                {' '}
                {fault.source} · matched {fault.matched} · injected {fault.injected}
              </span>
              <button type="button" class="link-button" data-testid="fault-remove" disabled={pending} onClick={() => void run(() => api.removeFault(fault.id))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
