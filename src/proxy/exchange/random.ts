/**
 * A small seeded generator (mulberry32) so that backoff jitter and fault draws can be made
 * reproducible with a seed; without one it falls back to Math.random.
 */
export type Random = () => number

export function createRandom(seed?: number): Random {
  if (seed === undefined) return Math.random
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}
