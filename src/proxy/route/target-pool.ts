/** How long a target that refused a connection is skipped (passive ejection). */
export const EJECT_MS = 10_000

export interface TargetPool {
  readonly targets: readonly URL[]
  /** The next target in round-robin order, skipping ejected ones unless all are. */
  pick(nowMs: number): URL
  /** A connection to `target` failed: skip it until `nowMs + EJECT_MS`. */
  eject(target: URL, nowMs: number): void
}

export function createTargetPool(targets: readonly URL[], ejectMs = EJECT_MS): TargetPool {
  let next = 0
  const ejectedUntil = new Map<URL, number>()
  return {
    targets,
    pick(nowMs) {
      if (targets.length === 1) return targets[0]!
      for (let i = 0; i < targets.length; i++) {
        const target = targets[(next + i) % targets.length]!
        const until = ejectedUntil.get(target)
        if (until === undefined || until <= nowMs) {
          next = (next + i + 1) % targets.length
          return target
        }
      }
      // Every target is ejected: trying one beats refusing outright.
      const target = targets[next % targets.length]!
      next = (next + 1) % targets.length
      return target
    },
    eject(target, nowMs) {
      if (targets.length > 1) ejectedUntil.set(target, nowMs + ejectMs)
    },
  }
}
