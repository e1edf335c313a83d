/** A captured `text/event-stream` body as the events a client received, JSON data pretty-printed. */
import { useMemo } from 'preact/hooks'
import { parseJson } from '../lib/body.js'
import { parseEventStream } from '../lib/event-stream.js'

/** More than this and the rest is left to the Text view. */
const MAX_EVENTS = 2_000

function prettyData(data: string): string {
  const value = data.trimStart().startsWith('{') || data.trimStart().startsWith('[') ? parseJson(data) : undefined
  return value === undefined ? data : JSON.stringify(value, null, 2)
}

export function EventStreamView({ text }: { readonly text: string }) {
  const events = useMemo(() => parseEventStream(text), [text])
  if (events.length === 0) return <p class="muted">No events in the captured body.</p>
  return (
    <div>
      <table class="event-stream">
        <thead>
          <tr>
            <th class="num">#</th>
            <th>Event</th>
            <th>Id</th>
            <th>Data</th>
          </tr>
        </thead>
        <tbody>
          {events.slice(0, MAX_EVENTS).map((event, i) => (
            <tr key={i} class={event.complete ? undefined : 'incomplete'}>
              <td class="num muted">{i + 1}</td>
              <td>{event.type}</td>
              <td class="muted">{event.id ?? ''}</td>
              <td>
                {event.data !== '' && <pre class="event-data">{prettyData(event.data)}</pre>}
                {event.comments.length > 0 && <div class="muted small">: {event.comments.join(' · ')}</div>}
                {event.retryMs !== null && <div class="muted small">retry {event.retryMs} ms</div>}
                {!event.complete && <div class="muted small">incomplete: the capture ends inside this event</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.length > MAX_EVENTS && <p class="muted">Showing {MAX_EVENTS} of {events.length} events; the Text view has them all.</p>}
    </div>
  )
}
