/**
 * The Huffman code of HPACK (RFC 7541 §5.2, Appendix B). The code is canonical: each symbol's
 * code follows from the code lengths alone (shorter codes first, then by symbol), so only the
 * 257 lengths are written here and the decoding tables are built from them once.
 */

/** Appendix B, the bit length of the code for each symbol 0–255 and EOS (256). */
const CODE_BITS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22,
  23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, 22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22,
  21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26,
  27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26,
  26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, 30,
] as const

const EOS = 256
const MAX_BITS = 30

/** Canonical decoding (RFC 7541 Appendix B is canonical): per length, the first code and where its symbols start. */
const firstCode = new Int32Array(MAX_BITS + 2)
const firstIndex = new Int32Array(MAX_BITS + 2)
const counts = new Int32Array(MAX_BITS + 2)
const symbols = new Uint16Array(CODE_BITS.length)
{
  for (const bits of CODE_BITS) counts[bits]!++
  let code = 0
  let index = 0
  for (let bits = 1; bits <= MAX_BITS; bits++) {
    firstCode[bits] = code
    firstIndex[bits] = index
    index += counts[bits]!
    code = (code + counts[bits]!) << 1
  }
  const next = firstIndex.slice()
  for (let symbol = 0; symbol < CODE_BITS.length; symbol++) symbols[next[CODE_BITS[symbol]!]!++] = symbol
}

/**
 * Decodes `length` Huffman-coded bytes at `offset` into a latin1 string (one char per octet), or
 * undefined when the bytes are not a valid encoding: the EOS symbol inside (§5.2: a decoding
 * error), or padding longer than 7 bits or not the EOS code's most significant bits.
 */
export function decodeHuffman(data: Uint8Array, offset: number, length: number): string | undefined {
  let out = ''
  let code = 0
  let bits = 0
  for (let i = offset; i < offset + length; i++) {
    const byte = data[i]!
    for (let shift = 7; shift >= 0; shift--) {
      code = (code << 1) | ((byte >> shift) & 1)
      bits++
      const at = code - firstCode[bits]!
      if (at >= 0 && at < counts[bits]!) {
        const symbol = symbols[firstIndex[bits]! + at]!
        if (symbol === EOS) return undefined
        out += String.fromCharCode(symbol)
        code = 0
        bits = 0
      } else if (bits >= MAX_BITS) {
        return undefined
      }
    }
  }
  // Padding: fewer than 8 bits, all ones (the most significant bits of EOS).
  if (bits > 7 || code !== (1 << bits) - 1) return undefined
  return out
}
