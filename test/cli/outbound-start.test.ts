/**
 * `devproxy start` in forward mode, as a user runs it: the flags, their mistakes (one line, exit
 * 2), the open-proxy guard, the tunnel's log line, and `devproxy status` listing outbound hosts.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoStack, runCli, spawnCli } from '../helpers/cli.js'

let dir: string
let upstream: http.Server
let upstreamPort: number
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devproxy-outbound-cli-'))
  upstream = http.createServer((req, res) => res.end(`hello from ${req.headers.host}${req.url}`))
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
  upstreamPort = (upstream.address() as AddressInfo).port
})
afterAll(async () => {
  await new Promise((r) => upstream.close(r))
  await rm(dir, { recursive: true, force: true })
})

describe('forward-mode flags', () => {
  it.each([
    [['--intercept', 'https://api.example.test/v1'], /--intercept "https:\/\/api\.example\.test\/v1" must be a host name only/, /--intercept api\.example\.test/],
    [['--resolve', 'api.example.test:443:127.0.0.1'], /not curl's HOST:PORT:ADDRESS/, /--resolve/],
    [['--resolve', 'api.example.test=127.0.0.1'], /the address must be ADDRESS:PORT/, /--resolve api\.example\.test=127\.0\.0\.1:443/],
  ])('%j is one clear line, exit 2', async (flags, message, hint) => {
    const result = await runCli(['start', '--port', '0', ...flags], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).toMatch(hint)
    expectNoStack(result.stderr)
  })

  it('refuses forward mode on a non-loopback host without --allow-open-proxy', async () => {
    const result = await runCli(['start', '--port', '0', '--host', '0.0.0.0', '--forward', '--no-watch'], { cwd: dir })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/forward mode on 0\.0\.0\.0 would be an open proxy/)
    expect(result.stderr).toMatch(/--allow-open-proxy/)
    expect(result.stderr.trim().split('\n')).toHaveLength(2)
    expectNoStack(result.stderr)
  })
})

describe('devproxy start --forward', () => {
  it('routes absolute-form requests to an outbound host, logs them, and status lists the host as a route (RFC 9112 §3.2.2)', async () => {
    const cli = spawnCli(['start', '--port', '0', '--forward', '--resolve', `svc.example.test=127.0.0.1:${upstreamPort}`, '--no-watch'], { cwd: dir })
    try {
      const proxyUrl = (await cli.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!
      await cli.waitFor(/control: /)
      const proxy = new URL(proxyUrl)
      const body = await new Promise<string>((resolve, reject) => {
        http.get({ host: proxy.hostname, port: proxy.port, path: 'http://svc.example.test/hi', headers: { host: 'svc.example.test' } }, (res) => {
          let text = ''
          res.on('data', (chunk: Buffer) => (text += chunk))
          res.on('end', () => resolve(text))
        }).on('error', reject)
      })
      expect(body).toBe('hello from svc.example.test/hi')
      await cli.waitFor(/GET\s+http:\/\/svc\.example\.test\/hi .*svc\.example\.test → http:\/\/svc\.example\.test 200/)
      const status = await runCli(['status', '--json'], { cwd: dir })
      const parsed = JSON.parse(status.stdout)
      expect(parsed.forward).toBe(true)
      expect(parsed.routes).toContainEqual(expect.objectContaining({ name: 'svc.example.test', outbound: true }))
    } finally {
      cli.child.kill('SIGTERM')
      await cli.exited
    }
  })
})
