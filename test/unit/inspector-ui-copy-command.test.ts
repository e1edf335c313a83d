import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import type { HeaderDiffRow, TransactionDetail, TransactionSummary } from '../../src/inspector/api.js'
import { buildCurl, buildFetch, printfFormat, requestFromDetail, shellQuote, type CopyableRequest } from '../../inspector/src/lib/copy-command.js'

/** Runs `script` in a real POSIX shell with `curl` replaced by a function that prints its argv (and stdin, for @-). */
function runCurl(script: string): { args: string[]; stdin: Buffer | null } {
  const fakeCurl = `curl() { for a in "$@"; do printf '%s\\0' "$a"; done; case " $* " in *' @- '*) printf 'STDIN:'; cat;; esac; }\n`
  const out = execFileSync('sh', ['-c', fakeCurl + script])
  const marker = out.indexOf('STDIN:')
  const argBytes = marker === -1 ? out : out.subarray(0, marker)
  const args = argBytes.toString('utf8').split('\0').slice(0, -1)
  return { args, stdin: marker === -1 ? null : out.subarray(marker + 'STDIN:'.length) }
}

/** Runs the fetch snippet with a fetch that records its arguments. */
async function runFetch(code: string): Promise<{ url: string; init: { method: string; headers?: Record<string, string>; body?: unknown } }> {
  const calls: unknown[][] = []
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>
  await new AsyncFunction('fetch', code)((...args: unknown[]) => calls.push(args))
  const [url, init] = calls[0] as [string, never]
  return { url, init }
}

const request = (fields: Partial<CopyableRequest>): CopyableRequest => ({
  method: 'GET',
  url: 'http://localhost:8080/api/users?page=2&sort=name',
  headers: [],
  body: null,
  bodyTruncated: false,
  ...fields,
})

const TRICKY = ["it's", 'a b', '$HOME', '`id`', '$(id)', '"quoted"', 'back\\slash', 'new\nline', '!bang', '*.txt', '~user', '', 'ünïcödé', "''", 'a;b|c&d']

describe('shellQuote: one word, whatever it holds', () => {
  it.each(TRICKY)('%j survives sh unchanged', (value) => {
    expect(execFileSync('sh', ['-c', `printf '%s' ${shellQuote(value)}`]).toString('utf8')).toBe(value)
  })

  it('leaves plain words unquoted, for readability', () => {
    expect(shellQuote('http://localhost:8080/api')).toBe('http://localhost:8080/api')
    expect(shellQuote('a b')).toBe("'a b'")
  })
})

describe('buildCurl: a command that sends the same request', () => {
  it('a GET: the URL and headers, no -X', () => {
    const curl = buildCurl(request({ headers: [['accept', 'application/json'], ['x-note', "it's $HOME"]] }))
    expect(runCurl(curl).args).toEqual(['http://localhost:8080/api/users?page=2&sort=name', '-H', 'accept: application/json', '-H', "x-note: it's $HOME"])
  })

  it('a POST with a text body: --data-raw, exactly the body', () => {
    const body = '{"name":"O\'Brien","cmd":"$(rm -rf /)","at":"@file"}\n'
    const { args } = runCurl(buildCurl(request({ method: 'POST', headers: [['content-type', 'application/json']], body })))
    expect(args).toEqual(['http://localhost:8080/api/users?page=2&sort=name', '-H', 'content-type: application/json', '--data-raw', body])
  })

  it('other methods get -X; HEAD gets --head', () => {
    expect(runCurl(buildCurl(request({ method: 'DELETE' }))).args).toContain('DELETE')
    expect(runCurl(buildCurl(request({ method: 'PUT', body: 'x' }))).args.slice(1, 3)).toEqual(['-X', 'PUT'])
    expect(runCurl(buildCurl(request({ method: 'HEAD' }))).args).toEqual(['http://localhost:8080/api/users?page=2&sort=name', '--head'])
  })

  it('accept-encoding becomes --compressed', () => {
    expect(runCurl(buildCurl(request({ headers: [['accept-encoding', 'gzip, br']] }))).args).toEqual(['http://localhost:8080/api/users?page=2&sort=name', '--compressed'])
  })

  it('a binary body is piped in byte for byte', () => {
    const bytes = new Uint8Array([0, 1, 0x25, 0x5c, 0x27, 0x0a, 0x7f, 0x80, 0xff, 0x41])
    const { args, stdin } = runCurl(buildCurl(request({ method: 'POST', body: bytes })))
    expect(args).toEqual(['http://localhost:8080/api/users?page=2&sort=name', '--data-binary', '@-'])
    expect([...stdin!]).toEqual([...bytes])
  })

  it('a truncated body is said so, in a comment the shell skips', () => {
    const curl = buildCurl(request({ method: 'POST', body: 'abc', bodyTruncated: true }))
    expect(curl.split('\n')[0]).toMatch(/^# .*truncated/)
    expect(runCurl(curl).args).toContain('abc')
  })

  it('printfFormat escapes % and \\ and writes other bytes in octal', () => {
    expect(printfFormat(new Uint8Array([0x41, 0x25, 0x5c, 0x0a, 0xff]))).toBe('A%%\\\\\\012\\377')
  })
})

describe('buildFetch: a snippet that calls fetch the same way', () => {
  it('method, headers and a text body, as JavaScript string literals', async () => {
    const body = '{"quote":"\\"","line":"a\u2028b"}'
    const { url, init } = await runFetch(buildFetch(request({ method: 'POST', headers: [['content-type', 'application/json'], ['x-a', '1'], ['x-a', '2']], body })))
    expect(url).toBe('http://localhost:8080/api/users?page=2&sort=name')
    expect(init).toEqual({ method: 'POST', headers: { 'content-type': 'application/json', 'x-a': '1, 2' }, body })
  })

  it('a binary body as bytes', async () => {
    const { init } = await runFetch(buildFetch(request({ method: 'PUT', body: new Uint8Array([0, 255, 16]) })))
    expect([...(init.body as Uint8Array)]).toEqual([0, 255, 16])
  })

  it('a GET: no headers, no body', async () => {
    expect((await runFetch(buildFetch(request({})))).init).toEqual({ method: 'GET' })
  })
})

describe('requestFromDetail: the request as the proxy received it', () => {
  const summary = { id: '1', method: 'POST', scheme: 'http', host: 'localhost:8080', url: '/api?x=1', kind: 'http' } as TransactionSummary
  const header = (name: string, before: string | null, after: string | null, change: HeaderDiffRow['change'] = 'same'): HeaderDiffRow => ({ name, before, after, change })
  const detail = (fields: Partial<TransactionDetail>): TransactionDetail =>
    ({ summary, headers: { request: [], response: [] }, requestBody: null, ...fields }) as TransactionDetail

  it('builds the absolute URL from scheme, Host and the origin-form target', () => {
    expect(requestFromDetail(detail({})).url).toBe('http://localhost:8080/api?x=1')
  })

  it('keeps a proxy-form target as it is', () => {
    expect(requestFromDetail(detail({ summary: { ...summary, url: 'http://example.test/a' } })).url).toBe('http://example.test/a')
  })

  it('uses the received headers, not the forwarded ones, without those curl and fetch set themselves', () => {
    const rows = [
      header('host', 'localhost:8080', 'localhost:3000', 'changed'),
      header('content-length', '3', '3'),
      header('x-forwarded-for', null, '127.0.0.1', 'added'),
      header('connection', 'keep-alive', null, 'removed'),
      header('authorization', 'Bearer t', 'Bearer t'),
      header(':authority', 'localhost:8080', null, 'removed'),
    ]
    expect(requestFromDetail(detail({ headers: { request: rows, response: [] } })).headers).toEqual([['authorization', 'Bearer t']])
  })

  it('a text body as text, any other as bytes, and whether it was cut', () => {
    const textBody = { contentType: 'text/plain', base64: Buffer.from('hé').toString('base64'), size: 10, truncated: true }
    expect(requestFromDetail(detail({ requestBody: textBody }))).toMatchObject({ body: 'hé', bodyTruncated: true })
    const binaryBody = { contentType: null, base64: Buffer.from([0, 1]).toString('base64'), size: 2, truncated: false }
    expect(requestFromDetail(detail({ requestBody: binaryBody })).body).toEqual(new Uint8Array([0, 1]))
  })

  it('no Host header: the fallback host', () => {
    expect(requestFromDetail(detail({ summary: { ...summary, host: null } }), '127.0.0.1:9000').url).toBe('http://127.0.0.1:9000/api?x=1')
  })

  it("leaves out devproxy's own fields (the resend marker, a session) and any field whose value was blanked as a devproxy secret (issue 27, 28)", () => {
    const rows = [
      header('x-devproxy-resend', 'abc', null, 'removed'),
      header('x-devproxy-session', '[devproxy secret]', '[devproxy secret]'),
      header('authorization', 'Bearer [devproxy secret]', 'Bearer [devproxy secret]'),
      header('x-app', 'kept', 'kept'),
    ]
    expect(requestFromDetail(detail({ headers: { request: rows, response: [] } })).headers).toEqual([['x-app', 'kept']])
  })

  it.each<[string, 'http' | 'https', string | undefined]>([
    ['HTTP/2.0', 'https', '--http2'],
    ['HTTP/1.1', 'https', '--http1.1'],
    ['HTTP/1.0', 'http', '--http1.0'],
    ['HTTP/1.1', 'http', undefined],
  ])('%s over %s: curl told to speak it (%s), as the request came', (protocol, scheme, flag) => {
    const copied = requestFromDetail(detail({ summary: { ...summary, protocol, scheme } }))
    const { args } = runCurl(buildCurl(copied))
    if (flag === undefined) expect(args.filter((arg) => arg.startsWith('--http'))).toEqual([])
    else expect(args).toContain(flag)
  })
})
