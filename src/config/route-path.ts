/** How a route's `path` is normalised, and the name a route gets from it. */

/** `/api/` → `/api`, `//` → `/`: no trailing slash except the root. */
export function normalizePrefix(path: string): string {
  const trimmed = path.replace(/\/+$/, '')
  return trimmed === '' ? '/' : trimmed
}

/** `/api/v1` → `api/v1`, `/` → `root`. */
export function nameFromPath(path: string): string {
  return path === '/' ? 'root' : path.slice(1)
}
