/**
 * The control server judges the request's host before who is asking (RFC 9112 §3.2, §3.2.2): a
 * request whose host is ambiguous is refused 400 whatever credential it carries, compared with
 * the same request made properly, which the token opens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawExchange } from '../helpers/raw-client.js'
import { startControlledProxy, type ControlledProxy } from '../helpers/control.js'

let running: ControlledProxy

beforeAll(async () => {
  running = await startControlledProxy('control-host', (url) => [{ path: '/', target: url }])
})
afterAll(() => running.close())

const statusOf = (response: Buffer) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response.toString('latin1'))?.[1])
const ask = (head: string) => rawExchange(running.port, `${head}Authorization: Bearer ${running.control.token}\r\nConnection: close\r\n\r\n`)

describe('control server: an ambiguous host is refused before the token is read', () => {
  it('the reference: one Host naming the server, the token → 200', async () => {
    expect(statusOf(await ask(`GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:${running.port}\r\n`))).toBe(200)
  })
  it('RFC 9112 §3.2: two Host fields (the first its own) → 400', async () => {
    const response = await ask(`GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:${running.port}\r\nHost: evil.test\r\n`)
    expect(statusOf(response)).toBe(400)
    expect(response.toString()).toMatch(/2 Host header fields/)
  })
  it('RFC 9112 §3.2.2: an absolute-form target naming another authority (with its own Host) → 400', async () => {
    const response = await ask(`GET http://evil.test/v1/status HTTP/1.1\r\nHost: 127.0.0.1:${running.port}\r\n`)
    expect(statusOf(response)).toBe(400)
  })
  it('RFC 9112 §3.2.2: an absolute-form target naming this server is its own request → 200', async () => {
    expect(statusOf(await ask(`GET http://127.0.0.1:${running.port}/v1/status HTTP/1.1\r\nHost: 127.0.0.1:${running.port}\r\n`))).toBe(200)
  })
})
