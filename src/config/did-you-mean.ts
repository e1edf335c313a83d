import { distance } from 'fastest-levenshtein'

/**
 * The known key a mistyped one most likely meant: a case-insensitive match (`stripprefix` →
 * `stripPrefix`), else the nearest key within a few edits (`timout` → `timeoutMs`).
 * Undefined when nothing is close enough to be worth suggesting.
 */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase()
  const sameLetters = known.find((candidate) => candidate.toLowerCase() === lower)
  if (sameLetters !== undefined) return sameLetters
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of known) {
    const edits = distance(lower, candidate.toLowerCase())
    if (edits < bestDistance && edits < key.length && edits <= allowedEdits(key, candidate)) {
      best = candidate
      bestDistance = edits
    }
  }
  return best
}

/**
 * Two edits, or one per three letters of the longer word: measuring the longer word lets a
 * short slip still reach a key with a unit suffix (`timout` is 3 edits from `timeoutMs`).
 */
function allowedEdits(key: string, candidate: string): number {
  return Math.max(2, Math.floor(Math.max(key.length, candidate.length) / 3))
}
