/**
 * Binary bodies as `hexdump -C` prints them: offset, sixteen bytes in two groups of eight, and
 * the printable ASCII beside them.
 */

const BYTES_PER_LINE = 16

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0')
}

/** One line per sixteen bytes of `bytes` (the first `maxBytes` of them), newline-separated. */
export function formatHexDump(bytes: Uint8Array, maxBytes = Infinity): string {
  const length = Math.min(bytes.length, maxBytes)
  const lines: string[] = []
  for (let offset = 0; offset < length; offset += BYTES_PER_LINE) {
    const row = bytes.subarray(offset, Math.min(offset + BYTES_PER_LINE, length))
    let hexPart = ''
    let asciiPart = ''
    for (let i = 0; i < BYTES_PER_LINE; i++) {
      const byte = row[i]
      hexPart += (byte === undefined ? '  ' : hex(byte)) + (i === 7 ? '  ' : ' ')
      if (byte !== undefined) asciiPart += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.'
    }
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hexPart} |${asciiPart}|`)
  }
  return lines.join('\n')
}
