import { promisify } from 'node:util'
import zlib from 'node:zlib'
import type { CapturedBody } from '../proxy/index.js'
import { redactSecretBytes } from '../local-api/secrets.js'
import { codingOf, zlibWrapped } from '../proxy/index.js'

/**
 * Decodes a captured body (gzip, br, deflate) for the diff only; what went over the wire is
 * untouched. A capture cut at the cap is decoded as far as it goes. What is shown never holds a
 * devproxy secret (a login token or session passing through, secrets.ts): each is blanked.
 */
const gunzip = promisify(zlib.gunzip)
const inflate = promisify(zlib.inflate)
const inflateRaw = promisify(zlib.inflateRaw)
const brotli = promisify(zlib.brotliDecompress)

export interface DecodedBody {
  readonly contentType: string | undefined
  readonly bytes: Buffer
  readonly truncated: boolean
  readonly totalBytes: number
}

/** True when the body must be decompressed (asynchronously) before it can be read. */
export function isEncoded(body: CapturedBody): boolean {
  return codingOf(body.contentEncoding).kind !== 'identity' && body.totalBytes > 0
}

/** A body that is not encoded, as it is (see isEncoded). */
export function plainBody(body: CapturedBody): DecodedBody {
  return { contentType: body.contentType, truncated: body.truncated, totalBytes: body.totalBytes, bytes: body.bytes }
}

export async function decodeBody(body: CapturedBody): Promise<DecodedBody> {
  const decoded = await decodeBytes(body)
  return { ...decoded, bytes: redactSecretBytes(decoded.bytes) }
}

async function decodeBytes(body: CapturedBody): Promise<DecodedBody> {
  if (!isEncoded(body)) return plainBody(body)
  const coding = codingOf(body.contentEncoding)
  const base = { contentType: body.contentType, truncated: body.truncated, totalBytes: body.totalBytes }
  const partial = { finishFlush: zlib.constants.Z_SYNC_FLUSH }
  try {
    if (coding.kind === 'known' && coding.coding === 'gzip') return { ...base, bytes: await gunzip(body.bytes, partial) }
    if (coding.kind === 'known' && coding.coding === 'br') return { ...base, bytes: await brotli(body.bytes, { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }) }
    if (coding.kind === 'known' && coding.coding === 'deflate') return { ...base, bytes: await (zlibWrapped(body.bytes) ? inflate : inflateRaw)(body.bytes, partial) }
  } catch {
    // Not what the header says: diff the raw bytes rather than nothing.
  }
  return { ...base, bytes: body.bytes }
}
