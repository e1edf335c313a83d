import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateConfig } from '../../src/features.js'
import { request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

/** cookieDomainRewrite / cookiePathRewrite over the wire: what the client's Set-Cookie says (RFC 6265 §4.1). */
describe('cookieDomainRewrite and cookiePathRewrite', () => {
  let upstream: TestUpstream
  let proxy: TestProxy
  beforeAll(async () => {
    upstream = await startUpstream((_req, res) => {
      res.setHeader('set-cookie', ['sid=1; Domain=api.internal; Path=/api; HttpOnly', 'theme=dark; Path=/api/ui', 'other=2; Domain=cdn.example'])
      res.end('ok')
    })
    proxy = await startTestProxy({
      routes: [
        { name: 'api', path: '/api', target: upstream.url, cookieDomainRewrite: { 'api.internal': '' }, cookiePathRewrite: { '/api': '/', '/api/ui': '/ui' } },
        { name: 'plain', path: '/', target: upstream.url },
      ],
    })
  })
  afterAll(async () => {
    await proxy.close()
    await upstream.close()
  })

  it('each Set-Cookie of the response is rewritten by the route\'s maps; what the maps do not name passes as it came', async () => {
    const response = await request(`${proxy.url}/api/login`)
    expect(response.headers['set-cookie']).toEqual(['sid=1; Path=/; HttpOnly', 'theme=dark; Path=/ui', 'other=2; Domain=cdn.example'])
  })

  it('a route without the options forwards Set-Cookie untouched', async () => {
    const response = await request(`${proxy.url}/login`)
    expect(response.headers['set-cookie']).toEqual(['sid=1; Domain=api.internal; Path=/api; HttpOnly', 'theme=dark; Path=/api/ui', 'other=2; Domain=cdn.example'])
  })

  it('a value that is not false, a string or an object of strings is a config error naming the field', () => {
    expect(validateConfig({ routes: [{ target: upstream.url, cookieDomainRewrite: true }] })).toContainEqual(
      expect.objectContaining({ path: 'routes[0].cookieDomainRewrite', message: expect.stringContaining("must be false, a domain such as \"localhost\"") }),
    )
    expect(validateConfig({ routes: [{ target: upstream.url, cookiePathRewrite: { '/api': 1 } }] })).toContainEqual(expect.objectContaining({ path: 'routes[0].cookiePathRewrite' }))
  })
})
