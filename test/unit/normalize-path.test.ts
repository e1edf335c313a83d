import { describe, expect, it } from 'vitest'
import { normalizeRequestTarget } from '../../src/proxy/http/normalize-path.js'

describe('normalizeRequestTarget: the path routes are matched on', () => {
  it.each([
    ['/api/users', '/api/users', false],
    ['/api/users?x=../y', '/api/users?x=../y', false],
    ['/files/a%2Fb', '/files/a%2Fb', false],
    ['/public/../admin/secret', '/admin/secret', true],
    ['/public/./../admin', '/admin', true],
    ['/public/%2e%2e/admin/secret', '/admin/secret', true],
    ['/public/%2E%2E%2Fadmin/secret', '/admin/secret', true],
    ['/public/..%2fadmin', '/admin', true],
    ['/public/..%5cadmin', '/admin', true],
    ['/public\\..\\admin', '/admin', true],
    ['/a/b/../../../../etc/passwd', '/etc/passwd', true],
    ['/a/./b/.', '/a/b/', true],
    ['/a/b/..', '/a/', true],
    ['/..', '/', true],
    ['/a/../b?q=1&r=../2', '/b?q=1&r=../2', true],
  ])('%s → %s', (url, expected, changed) => {
    expect(normalizeRequestTarget(url)).toEqual({ url: expected, changed })
  })
})
