import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/features.js'
import { applyListenOverrides } from '../../src/config/sources.js'
import type { UserConfig } from '../../src/config/types.js'

const routes = [{ path: '/', target: 'http://localhost:3000' }]
const https = (user: Partial<UserConfig>, flags: Parameters<typeof applyListenOverrides>[1]) => applyListenOverrides(resolveConfig({ routes, ...user }), flags).https

describe('applyListenOverrides: the command line wins over the config file', () => {
  it.each([
    { case: 'no flag keeps the config: off', user: {}, flags: {}, expected: undefined },
    { case: 'no flag keeps the config: https: true', user: { https: true }, flags: {}, expected: { port: undefined } },
    { case: '--https turns it on, on the listen port', user: {}, flags: { https: true }, expected: { port: undefined } },
    { case: '--https keeps the config\'s own port', user: { https: { port: 8443 } }, flags: { https: true }, expected: { port: 8443 } },
    { case: '--no-https turns the config\'s off', user: { https: true }, flags: { https: false }, expected: undefined },
    { case: '--https-port serves HTTPS there beside plain HTTP', user: {}, flags: { httpsPort: 9443 }, expected: { port: 9443 } },
    { case: '--https-port wins over https: true', user: { https: true }, flags: { httpsPort: 9443 }, expected: { port: 9443 } },
  ])('$case', ({ user, flags, expected }) => {
    expect(https(user, flags)).toEqual(expected)
  })

  it('port and host as before', () => {
    const config = applyListenOverrides(resolveConfig({ routes, port: 9000, host: '127.0.0.2' }), { port: 9001 })
    expect([config.port, config.host]).toEqual([9001, '127.0.0.2'])
  })
})
