/**
 * The live feed: one EventSource on /v1/inspector/stream, its events folded by reduceInspector.
 * EventSource reconnects by itself after a dropped connection; when the server refuses it
 * outright (an expired session) it stops, and `reconnect` starts a new one.
 */
import { useEffect, useReducer, useState } from 'preact/hooks'
import { INITIAL_STATE, reduceInspector, type InspectorAction, type InspectorState } from '../lib/inspector-state.js'

export const STREAM_PATH = '/v1/inspector/stream'

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
    // Same-origin, so the session cookie goes along without withCredentials.
    const source = new EventSource(STREAM_PATH)
    dispatch({ type: 'connection', connection: 'connecting' })
    for (const [name, toAction] of Object.entries(ACTIONS) as [EventName, (data: never) => InspectorAction][]) {
      source.addEventListener(name, (event: MessageEvent<string>) => {
        let data: never
        try {
          data = JSON.parse(event.data) as never
        } catch {
          return
        }
        dispatch(toAction(data))
      })
    }
    source.addEventListener('error', () => {
      dispatch({ type: 'connection', connection: source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting' })
    })
    return () => source.close()
  }, [attempt])

  return { state, dispatch, reconnect: () => setAttempt((n) => n + 1) }
}
