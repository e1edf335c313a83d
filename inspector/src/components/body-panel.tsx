/**
 * A captured body, shown by what it is (body.ts decides): JSON as a tree, an event stream as its
 * events, an image previewed, text as text, anything else as hex; each can also be seen raw or
 * as hex. Never as markup: an HTML body is text here.
 */
import { useMemo, useState } from 'preact/hooks'
import type { BodyView } from '../../../src/inspector/api.js'
import { formatBytes } from '../../../src/terminal/format.js'
import { classifyBody, decodeBase64, type DecodedBody } from '../lib/body.js'
import { EventStreamView } from './event-stream-view.js'
import { HexView } from './hex-view.js'
import { ImagePreview } from './image-preview.js'
import { JsonTree } from './json-tree.js'

type Mode = 'view' | 'raw' | 'hex'

const VIEW_LABELS: Partial<Record<DecodedBody['kind'], string>> = { json: 'Tree', 'event-stream': 'Events', image: 'Image' }

export interface BodyPanelProps {
  readonly body: BodyView | null
  readonly testId: string
}

export function BodyPanel({ body, testId }: BodyPanelProps) {
  const decoded = useMemo(() => (body === null ? null : classifyBody(body)), [body])
  const [mode, setMode] = useState<Mode>('view')
  const [expandDepth, setExpandDepth] = useState(2)

  if (body === null || decoded === null || decoded.kind === 'empty') {
    return (
      <div class="body-view" data-testid={testId} data-kind="empty">
        <p class="muted">No body.</p>
      </div>
    )
  }

  const viewLabel = VIEW_LABELS[decoded.kind]
  const modes: [Mode, string][] = [
    ...(viewLabel === undefined ? [] : ([['view', viewLabel]] as [Mode, string][])),
    ...('text' in decoded ? ([['raw', 'Text']] as [Mode, string][]) : []),
    ['hex', 'Hex'],
  ]
  const current = modes.some(([m]) => m === mode) ? mode : modes[0]![0]

  return (
    <div class="body-view" data-testid={testId} data-kind={decoded.kind}>
      <div class="body-meta">
        <span class="muted">
          {body.contentType ?? 'no content-type'} · {formatBytes(body.size)}
          {body.truncated ? ` (captured the first ${formatBytes(decodedLength(body))})` : ''}
        </span>
        {modes.length > 1 && (
          <span class="segmented" role="group" aria-label="Show as">
            {modes.map(([m, label]) => (
              <button key={m} type="button" aria-pressed={current === m} onClick={() => setMode(m)}>
                {label}
              </button>
            ))}
          </span>
        )}
        {decoded.kind === 'json' && current === 'view' && (
          <span class="segmented">
            <button type="button" onClick={() => setExpandDepth(Infinity)}>
              Expand all
            </button>
            <button type="button" onClick={() => setExpandDepth(1)}>
              Collapse
            </button>
          </span>
        )}
      </div>
      {current === 'hex' ? (
        <HexView bytes={'bytes' in decoded ? decoded.bytes : decodeBase64(body.base64)} />
      ) : current === 'raw' && 'text' in decoded ? (
        <pre class="body-text">{decoded.text}</pre>
      ) : decoded.kind === 'json' ? (
        <JsonTree key={expandDepth} value={decoded.value} expandDepth={expandDepth} />
      ) : decoded.kind === 'event-stream' ? (
        <EventStreamView text={decoded.text} />
      ) : decoded.kind === 'image' ? (
        <ImagePreview bytes={decoded.bytes} imageType={decoded.imageType} />
      ) : decoded.kind === 'text' ? (
        <pre class="body-text">{decoded.text}</pre>
      ) : (
        <HexView bytes={decoded.bytes} />
      )}
    </div>
  )
}

/** Bytes in the capture, from the base64 length, without decoding it again. */
function decodedLength(body: BodyView): number {
  const padding = body.base64.endsWith('==') ? 2 : body.base64.endsWith('=') ? 1 : 0
  return (body.base64.length / 4) * 3 - padding
}
