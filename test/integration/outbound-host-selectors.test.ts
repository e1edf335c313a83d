/**
 * Issue 30 item 5: an outbound host as a selector — a config fault's `host`, and `devproxy
 * record --filter host=` — on absolute-form requests (RFC 9112 §3.2.2) through forward mode. The
 * host is matched against Host without its port, exactly or as `*.suffix`.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startProxy } from '../../src/index.js'
import { spawnCli } from '../helpers/cli.js'

let dir: string
let upstream: http.Server
let upstreamPort: number

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devproxy-outbound-hosts-'))
  upstream = http.createServer((req, res) => res.end(`hello from ${req.headers.host}${req.url}`))
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  upstreamPort = (upstream.address() as AddressInfo).port
})

afterAll(async () => {
  await new Promise((resolve) => upstream.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

/** `GET http://HOST/path` through the proxy at `proxyUrl`, as a client with HTTP_PROXY sends it. */
function viaProxy(proxyUrl: string, host: string, path: string): Promise<{ status: number; body: string }> {
  const proxy = new URL(proxyUrl)
  return new Promise((resolve, reject) => {
    http
      .get({ host: proxy.hostname, port: proxy.port, path: `http://${host}${path}`, headers: { host }, agent: false }, (res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      .on('error', reject)
  })
}

const resolveBoth = () => ({ 'a.example.test': `127.0.0.1:${upstreamPort}`, 'b.example.test': `127.0.0.1:${upstreamPort}` })

describe('outbound hosts as selectors', () => {
  it("a config fault's host acts on that host's requests only", async () => {
    await using proxy = await startProxy({
      routes: [],
      outbound: { resolve: resolveBoth() },
      faults: [{ kind: 'status', statuses: [503], rate: 1, host: 'a.example.test' }],
    })
    expect((await viaProxy(proxy.url, 'a.example.test', '/x')).status).toBe(503)
    expect(await viaProxy(proxy.url, 'b.example.test', '/x')).toEqual({ status: 200, body: 'hello from b.example.test/x' })
    expect(proxy.faults[0]).toMatchObject({ host: 'a.example.test', injected: 1 })
  })

  it('devproxy record --filter host= records that host’s calls only', async () => {
    const har = join(dir, 'a-only.har')
    const args = ['record', '--out', har, '--port', '0', '--no-watch', '--filter', 'host=a.example.test']
    for (const [name, address] of Object.entries(resolveBoth())) args.push('--resolve', `${name}=${address}`)
    const cli = spawnCli(args, { cwd: dir })
    try {
      const proxyUrl = (await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
      expect((await viaProxy(proxyUrl, 'a.example.test', '/kept')).status).toBe(200)
      expect((await viaProxy(proxyUrl, 'b.example.test', '/left-out')).status).toBe(200)
    } finally {
      cli.child.kill('SIGINT')
      await cli.exited
    }
    const entries = JSON.parse(await readFile(har, 'utf8')).log.entries as Array<{ request: { url: string } }>
    expect(entries.map((entry) => entry.request.url)).toEqual(['http://a.example.test/kept'])
  })
})
