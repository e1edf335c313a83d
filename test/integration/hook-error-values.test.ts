import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { echoHandler, request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

/**
 * Error bodies name fields, never their values (issue 27 item 8): a `hook_error` about a header
 * a hook set badly says which field and what is wrong with it, and echoes no header value — not
 * the request's Authorization (RFC 9110 §11.6.2: credentials), not the bad value itself. The
 * body is what a developer copies into a chat or an issue.
 */

const SECRET = 'Bearer s3cret-token-of-the-user'

describe('hook_error about header fields', () => {
  let upstream: TestUpstream
  let proxy: TestProxy
  beforeAll(async () => {
    upstream = await startUpstream(echoHandler)
    proxy = await startTestProxy({
      routes: [
        {
          name: 'object-value',
          path: '/object-value',
          target: upstream.url,
          onRequest(ctx) {
            ;(ctx.headers as Record<string, unknown>)['x-user'] = { id: 'u-42-private' }
          },
        },
        {
          name: 'line-break',
          path: '/line-break',
          target: upstream.url,
          onRequest(ctx) {
            ctx.headers['x-user'] = 'u-42-private\r\nx-injected: 1'
          },
        },
        {
          name: 'bad-name',
          path: '/bad-name',
          target: upstream.url,
          onRequest(ctx) {
            ctx.headers['bad name'] = 'u-42-private'
          },
        },
        {
          name: 'not-an-object',
          path: '/not-an-object',
          target: upstream.url,
          onRequest(ctx) {
            ;(ctx as { headers: unknown }).headers = 'u-42-private'
          },
        },
        {
          // An answer whose headers are a string (here, the request's credentials): the issue names the field.
          name: 'answer-headers',
          path: '/answer-headers',
          target: upstream.url,
          onRequest: (ctx) => ({ status: 200, headers: ctx.headers.authorization as unknown as Record<string, string> }),
        },
        {
          name: 'answer-value',
          path: '/answer-value',
          target: upstream.url,
          onRequest: (ctx) => ({ status: 200, headers: { 'x-user': `${ctx.headers.authorization}\n` } }),
        },
        {
          name: 'response',
          path: '/response',
          target: upstream.url,
          onResponse(ctx) {
            ;(ctx.headers as Record<string, unknown>)['x-user'] = ['fine', { id: 'u-42-private' }]
          },
        },
      ],
    })
  })
  afterAll(async () => {
    await proxy.close()
    await upstream.close()
  })

  it.each([
    ['/object-value', /x-user/],
    ['/line-break', /x-user.*CR, LF or NUL/],
    ['/bad-name', /"bad name".*not a header name/],
    ['/not-an-object', /ctx\.headers must be an object/],
    ['/answer-headers', /headers must be an object of header names to values.*\(got a string\)/],
    ['/answer-value', /headers\["x-user"\] must be a single line/],
    ['/response', /x-user/],
  ])('%s: 500 hook_error naming the field, with neither the Authorization nor the value in it', async (path, names) => {
    const response = await request(`${proxy.url}${path}`, { headers: { authorization: SECRET, cookie: 'sid=c00kie-value' } })
    expect(response.status).toBe(500)
    expect(response.headers['x-devproxy-error']).toBe('hook_error')
    const text = response.body.toString()
    const { error } = JSON.parse(text)
    expect(error.message).toMatch(names)
    for (const value of ['s3cret', 'c00kie', 'u-42-private', 'x-injected']) expect(text, `${value} in ${text}`).not.toContain(value)
    // Nor in what the log and the inspector show of the error.
    const tx = proxy.transactions.at(-1)!
    expect(tx.error?.message).not.toContain('s3cret')
    expect(tx.error?.message).not.toContain('u-42-private')
  })
})
