/**
 * The live feed: /v1/inspector/stream read with fetch (EventSource cannot send the session
 * header), its events folded by reduceInspector. A dropped connection is opened again after a
 * pause, as EventSource would; a refusal (401: the session is gone) ends it, and `reconnect`
 * starts a new one.
 */
import { useEffect, useReducer, useState } from 'preact/hooks'
import { authorizedFetch } from '../api-client.js'
import { INITIAL_STATE, reduceInspector, type InspectorAction, type InspectorState } from '../lib/inspector-state.js'
import { createEventStreamReader } from '../lib/stream-reader.js'

export const STREAM_PATH = '/v1/inspector/stream'

/** Between a dropped stream and the next try (EventSource's default is about 3 s). */
const RETRY_MS = 1_000

type EventName = Exclude<InspectorAction['type'], 'connection'>

/** How each event's JSON becomes an action. */
const ACTIONS: { [E in EventName]: (data: never) => InspectorAction } = {
  snapshot: (snapshot) => ({ type: 'snapshot', snapshot }),
  transactions: (batch) => ({ type: 'transactions', batch }),
  metrics: (metrics) => ({ type: 'metrics', metrics }),
  faults: (faults) => ({ type: 'faults', faults }),
  recording: (recording) => ({ type: 'recording', recording }),
}

export function useInspectorStream(): {
  state: InspectorState
  dispatch: (action: InspectorAction) => void
  reconnect: () => void
} {
  const [state, dispatch] = useReducer(reduceInspector, INITIAL_STATE)
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    const controller = new AbortController()
    let retry: number | undefined

    const handle = (name: string, text: string) => {
      const toAction = ACTIONS[name as EventName] as ((data: never) => InspectorAction) | undefined
      if (toAction === undefined) return
      let data: never
      try {
        data = JSON.parse(text) as never
      } catch {
        return
      }
      dispatch(toAction(data))
    }

    const connect = async (first: boolean) => {
      dispatch({ type: 'connection', connection: first ? 'connecting' : 'reconnecting' })
      try {
        const response = await authorizedFetch(STREAM_PATH, { headers: { accept: 'text/event-stream' }, signal: controller.signal })
        if (response.status === 401 || response.status === 403) {
          dispatch({ type: 'connection', connection: 'closed' })
          return
        }
        if (!response.ok || response.body === null) throw new Error(`${response.status}`)
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
        const events = createEventStreamReader()
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          for (const event of events.push(value)) handle(event.type, event.data)
        }
      } catch {
        if (controller.signal.aborted) return
      }
      if (controller.signal.aborted) return
      // The server ended the stream, or the connection dropped: again, after a pause.
      dispatch({ type: 'connection', connection: 'reconnecting' })
      retry = window.setTimeout(() => void connect(false), RETRY_MS)
    }

    void connect(true)
    return () => {
      controller.abort()
      window.clearTimeout(retry)
    }
  }, [attempt])

  return { state, dispatch, reconnect: () => setAttempt((n) => n + 1) }
}
