/**
 * HAR downloads of many transactions. `GET /v1/inspector/har?ids=…` names them in the URL, and
 * Node refuses a request head over 16 KiB, so a long list is asked for in several requests whose
 * HAR files are merged into one.
 */
import type { Har } from 'har-format'

/** Characters of `ids=` value per request: half of Node's 16 KiB head limit, leaving room for the cookie. */
export const MAX_IDS_CHARS = 8_000

/** `ids` in groups whose URL-encoded, comma-joined form fits `maxChars`. */
export function chunkIds(ids: readonly string[], maxChars = MAX_IDS_CHARS): string[][] {
  const chunks: string[][] = []
  let chunk: string[] = []
  let chars = 0
  for (const id of ids) {
    const encoded = encodeURIComponent(id).length
    const needed = chunk.length === 0 ? encoded : chars + 1 + encoded
    if (chunk.length > 0 && needed > maxChars) {
      chunks.push(chunk)
      chunk = [id]
      chars = encoded
    } else {
      chunk.push(id)
      chars = needed
    }
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}

export function harPath(ids: readonly string[] | null): string {
  return ids === null ? '/v1/inspector/har' : `/v1/inspector/har?ids=${ids.map(encodeURIComponent).join(',')}`
}

/** One HAR from several: the first's creator and version, every entry in order, each page once. */
export function mergeHars(hars: readonly Har[]): Har {
  const [first, ...rest] = hars
  if (first === undefined) throw new Error('mergeHars needs at least one HAR')
  if (rest.length === 0) return first
  const entries = hars.flatMap((har) => har.log.entries)
  const pages = new Map<string, NonNullable<Har['log']['pages']>[number]>()
  for (const har of hars) for (const page of har.log.pages ?? []) if (!pages.has(page.id)) pages.set(page.id, page)
  return { log: { ...first.log, ...(pages.size > 0 ? { pages: [...pages.values()] } : {}), entries } }
}

const pad = (n: number) => String(n).padStart(2, '0')

/** `devproxy-filtered-20250102-030405.har`, in local time. */
export function harFileName(scope: string, now: Date): string {
  const date = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}`
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`
  return `devproxy-${scope}-${date}-${time}.har`
}
