import { describe, expect, it } from 'vitest'
import { checkFaultSelectors } from '../../src/faults/check-selectors.js'

const ROUTES = [
  { name: 'api', methods: ['GET', 'POST'] },
  { name: 'web', methods: undefined },
]

describe('checkFaultSelectors: a fault that could never fire is refused', () => {
  it.each<[string, { route?: string; method?: string }]>([
    ['no selector', {}],
    ['a route that exists', { route: 'web' }],
    ['a method on every route', { method: 'DELETE' }],
    ['a method the route takes', { route: 'api', method: 'POST' }],
    ['any method on a route without a filter', { route: 'web', method: 'PROPFIND' }],
  ])('accepts %s', (_what, spec) => {
    expect(checkFaultSelectors(spec, ROUTES, 'faults[0]')).toEqual([])
  })

  it.each<[string, { route?: string; method?: string }, string, string]>([
    ['a route that does not exist', { route: 'nope' }, 'faults[0].route', '"nope" names no route of this proxy; its routes are api, web'],
    ['a near miss of a route', { route: 'apu' }, 'faults[0].route', '"apu" names no route of this proxy (did you mean "api"?); its routes are api, web'],
    ['a typo of a method', { method: 'GTE' }, 'faults[0].method', '"GTE" is not an HTTP method; did you mean GET?'],
    ['a method the route never takes', { route: 'api', method: 'DELETE' }, 'faults[0].method', '"DELETE" never reaches route api, which takes only GET, POST'],
  ])('refuses %s', (_what, spec, path, message) => {
    expect(checkFaultSelectors(spec, ROUTES, 'faults[0]')).toEqual([{ path, message }])
  })

  it('refuses a name that is no method at all, listing the common ones', () => {
    const [issue] = checkFaultSelectors({ method: 'FOO' }, ROUTES, 'faults[0]')
    expect(issue?.message).toMatch(/^"FOO" is not an HTTP method; use one of GET HEAD POST PUT DELETE CONNECT OPTIONS TRACE PATCH/)
  })

  it('reports the route and the method together', () => {
    expect(checkFaultSelectors({ route: 'nope', method: 'GTE' }, ROUTES, '').map((issue) => issue.path)).toEqual(['route', 'method'])
  })
})
