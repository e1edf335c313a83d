import type { ResolvedRoute } from './types.js'

/**
 * Where a route sends requests, as the banner, `check`, `status` and reload messages show it:
 * its origins (with a base path), or what stands for them when it has none of its own.
 */
export function targetLabels(route: ResolvedRoute): string[] {
  if (route.chooseTarget !== undefined) return ['(target function)']
  if (route.targets.length === 0) return ['(mocks only)']
  return route.targets.map((t) => t.origin + (t.pathname === '/' ? '' : t.pathname))
}
