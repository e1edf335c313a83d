/** Bytes as a hex dump: the first 64 KiB, which is more than anyone scrolls through. */
import { useMemo } from 'preact/hooks'
import { formatBytes } from '../../../src/terminal/format.js'
import { formatHexDump } from '../lib/hex-dump.js'

const MAX_BYTES = 64 * 1024

export function HexView({ bytes }: { readonly bytes: Uint8Array }) {
  const dump = useMemo(() => formatHexDump(bytes, MAX_BYTES), [bytes])
  return (
    <div>
      <pre class="hex-dump">{dump}</pre>
      {bytes.length > MAX_BYTES && (
        <p class="muted">
          Showing the first {formatBytes(MAX_BYTES)} of {formatBytes(bytes.length)}.
        </p>
      )}
    </div>
  )
}
