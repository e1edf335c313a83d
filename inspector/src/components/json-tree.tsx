/**
 * A JSON value as a collapsible tree. Children are rendered only once their node is open, and a
 * few hundred at a time, so a 5 MB array opens as fast as a small one.
 */
import { useState } from 'preact/hooks'

/** Children rendered per "show more". */
const CHUNK = 200

export interface JsonTreeProps {
  readonly value: unknown
  /** Levels open at first; default 2. */
  readonly expandDepth?: number
  readonly name?: string | number
  readonly depth?: number
}

function entriesOf(value: object): [string | number, unknown][] {
  return Array.isArray(value) ? value.map((item, i) => [i, item] as [number, unknown]) : Object.entries(value)
}

/** A closed container's one-line hint: `{ id, name, … }` or `[3 items]`. */
function previewOf(value: object): string {
  if (Array.isArray(value)) return value.length === 1 ? '1 item' : `${value.length} items`
  const keys = Object.keys(value)
  const shown = keys.slice(0, 4).join(', ')
  return keys.length > 4 ? `${shown}, …` : shown
}

function Primitive({ value }: { readonly value: unknown }) {
  if (typeof value === 'string') return <span class="json-string">{JSON.stringify(value)}</span>
  if (typeof value === 'number') return <span class="json-number">{String(value)}</span>
  if (typeof value === 'boolean') return <span class="json-boolean">{String(value)}</span>
  return <span class="json-null">null</span>
}

export function JsonTree({ value, expandDepth = 2, name, depth = 0 }: JsonTreeProps) {
  const [open, setOpen] = useState(depth < expandDepth)
  const [limit, setLimit] = useState(CHUNK)
  const label = name === undefined ? null : <span class="json-key">{typeof name === 'number' ? name : JSON.stringify(name)}: </span>

  if (value === null || typeof value !== 'object') {
    return (
      <div class="json-row">
        {label}
        <Primitive value={value} />
      </div>
    )
  }

  const isArray = Array.isArray(value)
  const entries = open ? entriesOf(value) : []
  return (
    <div class={depth === 0 ? 'json-tree' : undefined} role={depth === 0 ? 'tree' : undefined}>
      <div class="json-row json-toggle" role="treeitem" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span class="json-caret">{open ? '▾' : '▸'}</span>
        {label}
        <span class="json-brace">{isArray ? '[' : '{'}</span>
        {!open && (
          <>
            <span class="muted"> {previewOf(value)} </span>
            <span class="json-brace">{isArray ? ']' : '}'}</span>
          </>
        )}
      </div>
      {open && (
        <div class="json-children" role="group">
          {entries.slice(0, limit).map(([key, item]) => (
            <JsonTree key={key} name={key} value={item} depth={depth + 1} expandDepth={expandDepth} />
          ))}
          {entries.length > limit && (
            <button type="button" class="link-button" onClick={() => setLimit(limit + CHUNK)}>
              show {Math.min(CHUNK, entries.length - limit)} more of {entries.length - limit}
            </button>
          )}
        </div>
      )}
      {open && <div class="json-row json-brace">{isArray ? ']' : '}'}</div>}
    </div>
  )
}
