/**
 * Downloads a HAR of everything in history, of the rows the filter shows, or of the selected
 * transaction. Fetched rather than navigated to, so a refused request shows as an error here
 * and not as a saved error page, and a long id list can be asked for in parts.
 */
import { useState } from 'preact/hooks'
import type { TransactionSummary } from '../../../src/inspector/api.js'
import { api } from '../api-client.js'
import { chunkIds, harFileName, harPath, mergeHars } from '../lib/har-export.js'

type Scope = 'all' | 'filtered' | 'selected'

export interface HarDownloadProps {
  readonly shown: readonly TransactionSummary[]
  readonly filterActive: boolean
  readonly selectedId: string | null
}

function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  document.body.append(link)
  link.click()
  link.remove()
  // The download has its own copy by the time the click returns; the delay is for older engines.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

async function fetchHar(ids: readonly string[] | null): Promise<Blob> {
  const paths = ids === null ? [harPath(null)] : chunkIds(ids).map(harPath)
  if (paths.length === 1) return api.harBlob(paths[0]!)
  const hars = []
  // One at a time: each part is a large answer, and the server serves the proxy too.
  for (const path of paths) hars.push(await api.har(path))
  return new Blob([JSON.stringify(mergeHars(hars), null, 2)], { type: 'application/json' })
}

export function HarDownload({ shown, filterActive, selectedId }: HarDownloadProps) {
  const [chosen, setScope] = useState<Scope>('all')
  // A choice that no longer applies (the filter was cleared) falls back to everything, visibly.
  const scope = (chosen === 'filtered' && !filterActive) || (chosen === 'selected' && selectedId === null) ? 'all' : chosen
  const [pending, setPending] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const ids = scope === 'all' ? null : scope === 'selected' && selectedId !== null ? [selectedId] : shown.map((tx) => tx.id)
  const empty = ids !== null && ids.length === 0

  const download = async () => {
    setPending(true)
    setError(null)
    try {
      saveBlob(await fetchHar(ids), harFileName(scope === 'all' ? 'session' : scope, new Date()))
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught))
    } finally {
      setPending(false)
    }
  }

  return (
    <span class="har-download">
      <select aria-label="What to download" data-testid="har-scope" value={scope} onChange={(event) => setScope((event.currentTarget as HTMLSelectElement).value as Scope)}>
        <option value="all">All in history</option>
        <option value="filtered" disabled={!filterActive}>
          Filtered ({shown.length})
        </option>
        <option value="selected" disabled={selectedId === null}>
          Selected
        </option>
      </select>
      <button type="button" data-testid="har-download" disabled={pending || empty} onClick={download} title={empty ? 'Nothing to download' : 'Download as HAR'}>
        {pending ? 'Preparing…' : 'Download HAR'}
      </button>
      {error !== null && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </span>
  )
}
