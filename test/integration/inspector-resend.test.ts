import { execFile } from 'node:child_process'
import http from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startControlServer, type ControlServer } from '../../src/control/server.js'
import { SESSION_HEADER, type TransactionDetail } from '../../src/inspector/api.js'
import type { Transaction } from '../../src/proxy/transaction/transaction.js'
import { buildCurl, buildFetch, requestFromDetail } from '../../inspector/src/lib/copy-command.js'
import { signIn } from '../helpers/inspector.js'
import { request, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from '../helpers/servers.js'

/**
 * Resend and copy keep what was sent (issue 28 item 3): a request received over HTTP/2 on the
 * HTTPS listener is resent over HTTP/2 to that listener with its own :authority, nothing added
 * (no `content-length: 0`, RFC 9110 §8.6: a length says what the body is, and there was none);
 * the request body is captured whoever answered (a fault too), so "Edit and resend" has it; and
 * the copied curl line, run as it is with the real curl (plus --cacert of the local CA), gets
 * the same answer as the request it was copied from, over the same protocol, with nothing of
 * devproxy's own in it (the resend marker, the session).
 */

const run = promisify(execFile)

let caDir: string
let ca: string
let upstream: TestUpstream
/** What the upstream saw, in order. */
const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = []
let proxy: TestProxy
let control: ControlServer
let session: string
let stream: http.ClientRequest

beforeAll(async () => {
  caDir = await mkdtemp(join(tmpdir(), 'devproxy-resend-ca-'))
  ca = join(caDir, 'ca.pem')
  upstream = await startUpstream((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      const answer = JSON.stringify({ method: req.method, url: req.url, body, accept: req.headers.accept ?? null, custom: req.headers['x-custom'] ?? null })
      res.writeHead(200, { 'content-type': 'application/json' }).end(answer)
    })
  })
  // Plain HTTP on `port`, HTTPS (h2 and http/1.1 by ALPN) on a port of its own: `--https-port`.
  proxy = await startTestProxy({ https: { port: 0 }, routes: [{ name: 'api', path: '/api', target: upstream.url }] }, { caDir })
  control = await startControlServer({ engine: proxy.engine, faults: proxy.faults, proxyUrl: proxy.url, proxyUrls: [proxy.url, proxy.httpsUrl!], stateDir: caDir })
  session = await signIn(control.inspectorUrl())
  // A browser watching: bodies are captured.
  await new Promise<void>((resolve, reject) => {
    stream = http.get(`${control.url}/v1/inspector/stream`, { headers: { [SESSION_HEADER]: session } }, (res) => {
      res.resume()
      resolve()
    })
    stream.on('error', reject)
  })
})

afterAll(async () => {
  stream?.destroy()
  await control?.close()
  await proxy?.close(0)
  await upstream?.close()
  await rm(caDir, { recursive: true, force: true })
})

const inspector = (method: string, path: string, body?: unknown) =>
  request(`${control.url}${path}`, {
    method,
    headers: { [SESSION_HEADER]: session, origin: control.url, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

/** The first finished transaction that `match` picks (waited for: it may finish after its client has the answer). */
async function finished(match: (tx: Readonly<Transaction>) => boolean): Promise<Readonly<Transaction>> {
  for (;;) {
    const found = proxy.transactions.find(match)
    if (found) return found
    await proxy.nextTransaction()
  }
}
const transactionOf = (url: string) => finished((tx) => tx.url === url)
const transactionById = (id: string) => finished((tx) => tx.id === id)

async function detailOf(id: string): Promise<TransactionDetail> {
  const response = await inspector('GET', `/v1/inspector/transactions/${id}`)
  expect(response.status).toBe(200)
  return response.json()
}

/** curl's answer: the body, then the status and the HTTP version on a last line of their own. */
async function curl(args: string[]): Promise<{ body: string; status: number; version: string }> {
  const { stdout } = await run('curl', ['-sS', '--max-time', '20', ...args, '-w', '\n%{http_code} %{http_version}'])
  return parseCurl(stdout)
}

function parseCurl(stdout: string) {
  const cut = stdout.lastIndexOf('\n')
  const [status, version] = stdout.slice(cut + 1).split(' ')
  return { body: stdout.slice(0, cut), status: Number(status), version: version! }
}

/** A copied curl line, run as a user runs it (pasted into a shell), with the local CA's certificate. */
async function runCopied(line: string): Promise<{ body: string; status: number; version: string }> {
  const { stdout } = await run('sh', ['-c', `${line} --cacert ${ca} -sS --max-time 20 -w '\\n%{http_code} %{http_version}'`])
  return parseCurl(stdout)
}

const LISTENERS = [
  { name: 'plain HTTP/1.1', args: [] as string[], base: () => proxy.url, version: '1.1' },
  { name: 'HTTPS, HTTP/1.1', args: () => ['--http1.1', '--cacert', ca], base: () => `https://localhost:${proxy.httpsPort}`, version: '1.1' },
  { name: 'HTTPS, HTTP/2', args: () => ['--http2', '--cacert', ca], base: () => `https://localhost:${proxy.httpsPort}`, version: '2' },
].map((listener) => ({ ...listener, args: typeof listener.args === 'function' ? listener.args : () => listener.args as string[] }))

describe.each(LISTENERS)('over $name', (listener) => {
  it.each([
    ['GET', [] as string[]],
    ['POST', ['-H', 'content-type: application/json', '--data-raw', '{"n":1,"quote":"it\'s"}']],
  ])('%s: the copied curl line, run as it is, gets the same answer over the same protocol', async (method, extra) => {
    const url = `/api/copy?${encodeURIComponent(listener.name)}&${method}`
    const original = await curl([...listener.args(), '-H', 'x-custom: kept', '-H', 'accept: application/json', ...extra, `${listener.base()}${url}`])
    expect([original.status, original.version]).toEqual([200, listener.version])
    const tx = await transactionOf(url)
    const detail = await detailOf(tx.id)
    const line = buildCurl(requestFromDetail(detail))
    expect(line).not.toMatch(/x-devproxy|devproxy_session/)
    const copied = await runCopied(line)
    expect(copied).toEqual(original)
    // And the fetch copy names the same URL (a browser picks the protocol itself).
    expect(buildFetch(requestFromDetail(detail))).toContain(`await fetch(${JSON.stringify(`${listener.base()}${url}`)}`)
  })

  it('Resend: sent again as it came (protocol, scheme, authority, method, body; nothing added), under a new id', async () => {
    const url = `/api/resend?${encodeURIComponent(listener.name)}`
    await curl([...listener.args(), '-H', 'x-custom: kept', '--data-raw', 'the body', `${listener.base()}${url}`])
    const tx = await transactionOf(url)
    const before = seen.length
    const response = await inspector('POST', `/v1/inspector/transactions/${tx.id}/resend`, {})
    expect(response.status).toBe(201)
    const { id } = response.json()
    const resent = await transactionById(id)
    expect([resent.httpVersion, resent.scheme, resent.method, resent.url]).toEqual([tx.httpVersion, tx.scheme, tx.method, tx.url])
    expect(resent.requestHeaders[':authority'] ?? resent.requestHeaders.host).toBe(tx.requestHeaders[':authority'] ?? tx.requestHeaders.host)
    const [first, again] = [seen.find((one) => one.url === url)!, seen[before]!]
    expect(again).toMatchObject({ method: 'POST', body: 'the body' })
    expect(again.headers['x-custom']).toBe('kept')
    expect(again.headers['content-length']).toBe(first.headers['content-length'])
    expect(again.headers['x-devproxy-resend']).toBeUndefined()
    // The resent one, copied, runs as it is too (over plain HTTP to the HTTPS port it got 400 https_required).
    const copied = await runCopied(buildCurl(requestFromDetail(await detailOf(id))))
    expect([copied.status, copied.version]).toEqual([200, listener.version])
    expect(JSON.parse(copied.body)).toMatchObject({ method: 'POST', url, body: 'the body', custom: 'kept' })
  })

  it('Resend of a GET adds no content-length (RFC 9110 §8.6: there is no body to measure)', async () => {
    const url = `/api/resend-get?${encodeURIComponent(listener.name)}`
    await curl([...listener.args(), `${listener.base()}${url}`])
    const tx = await transactionOf(url)
    const before = seen.length
    expect((await inspector('POST', `/v1/inspector/transactions/${tx.id}/resend`, {})).status).toBe(201)
    expect(seen[before]!.url).toBe(url)
    expect(seen[before]!.headers['content-length']).toBeUndefined()
    expect(seen[before]!.headers['transfer-encoding']).toBeUndefined()
  })
})

describe('the request body is captured whoever answered', () => {
  it.each([['upstream'], ['client']])('a POST answered by a fault (--at %s): the detail has its body, so "Edit and resend" opens with it', async (at) => {
    const added = await inspector('POST', '/v1/faults', { faults: [`status 503 --route api --path /api/faulted-${at} --at ${at}`] })
    expect(added.status).toBe(201)
    try {
      const url = `/api/faulted-${at}`
      const answered = await request(`${proxy.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"twenty-four":"bytes!"}' })
      expect(answered.status).toBe(503)
      const tx = await transactionOf(url)
      const detail = await detailOf(tx.id)
      expect(detail.requestBody).not.toBeNull()
      expect(Buffer.from(detail.requestBody!.base64, 'base64').toString()).toBe('{"twenty-four":"bytes!"}')
      expect(detail.requestBody!.truncated).toBe(false)
      // The copy sends it too.
      expect(buildCurl(requestFromDetail(detail))).toContain(`--data-raw '{"twenty-four":"bytes!"}'`)
    } finally {
      await inspector('DELETE', '/v1/faults')
    }
  })
})

describe('a resent transaction, copied', () => {
  it('carries neither the resend marker nor a session; the copy runs as it is', async () => {
    const url = '/api/copied-resend'
    const original = await curl([`${proxy.url}${url}`])
    const tx = await transactionOf(url)
    const { id } = (await inspector('POST', `/v1/inspector/transactions/${tx.id}/resend`, {})).json()
    await transactionById(id)
    const detail = await detailOf(id)
    // The marker is not shown as a request header of the resent transaction, nor copied.
    expect(detail.headers.request.map((row) => row.name)).not.toContain('x-devproxy-resend')
    const line = buildCurl(requestFromDetail(detail))
    expect(line).not.toContain('x-devproxy')
    expect(line).not.toMatch(/connection/i)
    expect(await runCopied(line)).toEqual(original)
  })
})
