import { readFile } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync, gunzipSync } from 'node:zlib'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { request, startUpstream, type SimpleResponse, type TestUpstream } from '../helpers/servers.js'

const validateHar = createRequire(import.meta.url)('har-validator').har as (har: unknown) => Promise<unknown>
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/
const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i))

/** An API with JSON, a POST echo, binary bytes and a gzip-encoded answer. */
function api(req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const body = Buffer.concat(chunks)
    if (req.url === '/api/users') return void res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'sid=abc' }).end('[{"id":1,"name":"Ada"}]')
    if (req.url === '/api/echo') return void res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ got: JSON.parse(body.toString()) }))
    if (req.url === '/bytes') return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(BINARY)
    if (req.url?.startsWith('/zipped')) return void res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(gzipSync('hello, compressed world'))
    res.writeHead(404).end()
  })
}

async function traffic(url: string): Promise<Record<string, SimpleResponse>> {
  return {
    users: await request(`${url}/api/users`, { headers: { authorization: 'Bearer s3cret', 'x-api-key': 'k' } }),
    echo: await request(`${url}/api/echo`, { method: 'POST', body: '{"name":"Ada","n":1}', headers: { 'content-type': 'application/json' } }),
    bytes: await request(`${url}/bytes`),
    zipped: await request(`${url}/zipped?x=1`),
  }
}

const decoded = (r: SimpleResponse) => (r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body)

describe('devproxy record → replay (as a user runs them)', () => {
  let dir: string
  let upstream: TestUpstream
  let recorded: Record<string, SimpleResponse>
  let har: any

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-rec-'))
    upstream = await startUpstream(api)
    const cli = spawnCli(['record', '--target', upstream.url, '--port', '0', '--out', 'flow.har'], { cwd: dir })
    const [, url] = await cli.waitFor(LISTENING)
    await cli.waitFor(/recording to flow\.har/)
    recorded = await traffic(url!)
    cli.child.kill('SIGINT')
    const exit = await cli.exited
    expect(exit.code).toBe(0)
    expect(exit.stdout).toContain('recorded 4 transactions to flow.har')
    har = JSON.parse(await readFile(join(dir, 'flow.har'), 'utf8'))
  })
  afterAll(async () => {
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('writes HAR 1.2 that validates against the schema', async () => {
    await expect(validateHar(har)).resolves.toBeTruthy()
    expect(har.log.version).toBe('1.2')
    expect(har.log.pages).toEqual([])
    expect(har.log.creator.name).toBe('devproxy')
    expect(har.log.entries).toHaveLength(4)
  })

  it('redacts secrets by default', () => {
    const [users] = har.log.entries
    const header = (list: Array<{ name: string; value: string }>, name: string) => list.find((h) => h.name === name)?.value
    expect(header(users.request.headers, 'authorization')).toBe('[REDACTED]')
    expect(header(users.request.headers, 'x-api-key')).toBe('[REDACTED]')
    expect(header(users.response.headers, 'set-cookie')).toBe('[REDACTED]')
    expect(JSON.stringify(har)).not.toContain('s3cret')
  })

  it('keeps bodies: JSON as text, binary as base64, gzip decoded; timings add up', () => {
    const [users, echo, bytes, zipped] = har.log.entries
    expect(users.response.content.text).toBe('[{"id":1,"name":"Ada"}]')
    expect(echo.request.postData).toEqual({ mimeType: 'application/json', text: '{"name":"Ada","n":1}' })
    expect(bytes.response.content).toMatchObject({ encoding: 'base64', size: 256 })
    expect(Buffer.from(bytes.response.content.text, 'base64').equals(BINARY)).toBe(true)
    expect(zipped.response.content.text).toBe('hello, compressed world')
    for (const entry of har.log.entries) {
      // HAR 1.2: time is the sum of the timings that apply (not -1), ssl left out (it is inside connect).
      const { ssl: _ssl, ...parts } = entry.timings as Record<string, number>
      expect(Object.values(parts).filter((ms) => ms >= 0).reduce((a, b) => a + b, 0)).toBeCloseTo(entry.time, 2)
      expect(entry._devproxy).toMatchObject({ route: 'default', attempts: 1 })
    }
  })

  it('replay answers the same requests with the same statuses and bodies, offline', async () => {
    await upstream.close()
    const cli = spawnCli(['replay', 'flow.har', '--port', '0', '--fault', 'status 503 --path /teapot'], { cwd: dir })
    try {
      const [, url] = await cli.waitFor(LISTENING)
      const replayed = await traffic(url!)
      for (const name of Object.keys(recorded)) {
        expect(replayed[name]!.status, name).toBe(recorded[name]!.status)
        expect(decoded(replayed[name]!).equals(decoded(recorded[name]!)), name).toBe(true)
        expect(replayed[name]!.headers['x-devproxy-replay']).toBe('hit')
      }
      const miss = await request(`${url}/api/users/9`)
      expect(miss.status).toBe(404)
      expect(miss.json().error).toMatchObject({ type: 'replay_miss', nearest: 'GET /api/users', differences: ['path: /api/users (recorded) vs /api/users/9'] })
      await cli.waitFor(/\[replay miss\]/)
      // Faults apply to replayed traffic as to live traffic.
      const faulted = await request(`${url}/teapot`)
      expect(faulted.status).toBe(503)
      expect(faulted.headers['x-devproxy-fault']).toBe('status')
    } finally {
      cli.child.kill('SIGINT')
      await cli.exited
    }
    upstream = await startUpstream(api)
  })
})

describe('a recorder killed with SIGKILL', () => {
  it('leaves a file that replay reads, with every transaction that had finished', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-kill-'))
    const upstream = await startUpstream(api)
    let cli: RunningCli | undefined
    try {
      cli = spawnCli(['record', '--target', upstream.url, '--port', '0', '--out', 'crash.har'], { cwd: dir })
      const [, url] = await cli.waitFor(LISTENING)
      await traffic(url!)
      // Wait for the four entries to reach the file, then kill without warning.
      await expect.poll(async () => (await readFile(join(dir, 'crash.har'), 'utf8')).split('\n').length, { timeout: 5_000 }).toBeGreaterThanOrEqual(6)
      cli.child.kill('SIGKILL')
      await cli.exited
      const text = await readFile(join(dir, 'crash.har'), 'utf8')
      expect(() => JSON.parse(text)).toThrow()

      const replay = spawnCli(['replay', 'crash.har', '--port', '0'], { cwd: dir })
      try {
        const [, replayUrl] = await replay.waitFor(LISTENING)
        expect(replay.stderr()).toContain('crash.har was not finalized (recorder stopped early): read 4 entries')
        expect((await request(`${replayUrl}/api/users`)).body.toString()).toBe('[{"id":1,"name":"Ada"}]')
      } finally {
        replay.child.kill('SIGINT')
        await replay.exited
      }
    } finally {
      await upstream.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('--out that cannot be written (a directory) is explained before anything listens', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-badout-'))
    try {
      const result = await runCli(['record', '--demo', '--port', '0', '--out', dir])
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`cannot write the recording ${dir}: EISDIR`)
      expect(result.stderr).toContain('Give --out a file path in a directory you can write to')
      expect(result.stderr).not.toMatch(/\n\s+at /)
      expect(result.stdout).not.toContain('listening on')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('--no-redact records secrets, with a warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-noredact-'))
    const upstream = await startUpstream(api)
    try {
      const cli = spawnCli(['record', '--target', upstream.url, '--port', '0', '--out', 'raw.har', '--no-redact'], { cwd: dir })
      const [, url] = await cli.waitFor(LISTENING)
      await request(`${url}/api/users`, { headers: { authorization: 'Bearer s3cret' } })
      cli.child.kill('SIGINT')
      const exit = await cli.exited
      expect(exit.stderr).toContain('--no-redact: authorization headers and cookies are written to the recording')
      expect(await readFile(join(dir, 'raw.har'), 'utf8')).toContain('Bearer s3cret')
    } finally {
      await upstream.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
