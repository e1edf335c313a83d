/** The demo API's data and the endpoint list it advertises at `/`. */

export interface DemoUser {
  id: number
  name: string
  email: string
  role: 'admin' | 'member'
}

export function initialUsers(): DemoUser[] {
  return [
    { id: 1, name: 'Ada Lovelace', email: 'ada@example.test', role: 'admin' },
    { id: 2, name: 'Grace Hopper', email: 'grace@example.test', role: 'admin' },
    { id: 3, name: 'Alan Turing', email: 'alan@example.test', role: 'member' },
    { id: 4, name: 'Katherine Johnson', email: 'katherine@example.test', role: 'member' },
    { id: 5, name: 'Linus Torvalds', email: 'linus@example.test', role: 'member' },
  ]
}

export const ENDPOINTS = [
  { method: 'GET', path: '/api/users', about: 'list users; ?role=admin filters' },
  { method: 'GET', path: '/api/users/:id', about: 'one user, or 404' },
  { method: 'POST', path: '/api/users', about: 'create a user from a JSON body; 201' },
  { method: 'ANY', path: '/api/echo', about: 'echoes method, url, headers and body as received' },
  { method: 'GET', path: '/api/slow?ms=N', about: 'answers after N ms (default 2000)' },
  { method: 'GET', path: '/api/status/:code', about: 'answers with that status code' },
  { method: 'GET', path: '/events?count=N&intervalMs=M', about: 'server-sent events, one tick every M ms' },
  { method: 'GET', path: '/download?mb=N', about: 'N MiB of bytes, streamed (default 100)' },
  { method: 'WS', path: '/ws', about: 'WebSocket echo' },
] as const

/** Query parameter as a bounded integer, or the fallback when absent or not a number. */
export function intParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name)
  const value = raw === null || raw.trim() === '' ? Number.NaN : Number(raw)
  if (!Number.isFinite(value)) return fallback
  return Math.min(max, Math.max(min, Math.trunc(value)))
}
