import http from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnCli, type RunningCli } from '../helpers/cli.js'
import { request, startUpstream, type TestUpstream } from '../helpers/servers.js'
import { within } from '../helpers/wait.js'

/**
 * `devproxy replay` serves from the file and says so; a --fallthrough miss says it was one; and
 * `--pace recorded` replays a stream (server-sent events, RFC 9110 §6.4 chunks as they came) at
 * its recorded times, where the default replays it as fast as possible.
 */
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/

/** The wait before each event, ms (the first after the response headers): irregular on purpose. */
const GAP_MS = [0, 200, 400, 250]

/** An SSE upstream that sends GAP_MS.length events, each GAP_MS[i] after the one before; and a JSON API. */
function sseUpstream(): Promise<TestUpstream> {
  return startUpstream((req, res) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
      res.flushHeaders()
      const send = (i: number) => {
        res.write(`id: ${i}\ndata: {"n":${i}}\n\n`)
        if (i === GAP_MS.length - 1) res.end()
        else setTimeout(() => send(i + 1), GAP_MS[i + 1])
      }
      setTimeout(() => send(0), GAP_MS[0])
      return
    }
    const body = JSON.stringify({ live: req.url })
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
}

interface Arrival {
  readonly id: string
  /** ms after the request was sent. */
  readonly atMs: number
}

/** Reads an event stream, noting when each event arrived (the time its blank line came in). */
function readEvents(url: string): Promise<{ headersAtMs: number; events: Arrival[]; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const sent = performance.now()
    http
      .get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
        const headersAtMs = performance.now() - sent
        const events: Arrival[] = []
        let buffer = ''
        res.setEncoding('utf8')
        res.on('data', (text: string) => {
          const now = performance.now() - sent
          buffer += text
          for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
            const id = /^id: (\S+)$/m.exec(buffer.slice(0, end))?.[1] ?? '?'
            events.push({ id, atMs: now })
            buffer = buffer.slice(end + 2)
          }
        })
        res.on('end', () => resolve({ headersAtMs, events, headers: res.headers }))
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

describe('devproxy replay serves from the file, and says so', () => {
  let dir: string
  let upstream: TestUpstream
  let har: any

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-replay-file-'))
    upstream = await sseUpstream()
    const cli = spawnCli(['record', '--target', upstream.url, '--port', '0', '--out', 'session1.har', '--no-watch'], { cwd: dir })
    const [, url] = await cli.waitFor(LISTENING)
    expect((await request(`${url}/api/users`)).status).toBe(200)
    const recorded = await readEvents(`${url}/events`)
    expect(recorded.events.map((e) => e.id)).toEqual(['0', '1', '2', '3'])
    cli.child.kill('SIGINT')
    expect((await cli.exited).code).toBe(0)
    har = JSON.parse(await readFile(join(dir, 'session1.har'), 'utf8'))
  })
  afterAll(async () => {
    await upstream.close()
    await rm(dir, { recursive: true, force: true })
  })

  const stop = async (cli: RunningCli) => {
    cli.child.kill('SIGINT')
    return cli.exited
  }

  it('the recording keeps when each chunk of a streamed body came: _devproxy.chunks, [ms after the headers, bytes]', () => {
    const events = har.log.entries.find((e: any) => e.request.url.endsWith('/events'))
    const chunks = events._devproxy.chunks as Array<[number, number]>
    expect(chunks).toHaveLength(GAP_MS.length)
    expect(chunks.reduce((sum, [, bytes]) => sum + bytes, 0)).toBe(Buffer.byteLength(events.response.content.text))
    // In order, and spread as the upstream spread them: its timers are never early; the slack is
    // for the proxy reading one chunk later than the next (a busy moment), which narrows a gap.
    for (let i = 1; i < chunks.length; i++) expect(chunks[i]![0]).toBeGreaterThanOrEqual(chunks[i - 1]![0])
    expect(chunks.at(-1)![0] - chunks[0]![0]).toBeGreaterThanOrEqual(GAP_MS.slice(1).reduce((a, b) => a + b, 0) - 40)
    // A body with a length of its own (not streamed) has no timeline.
    const users = har.log.entries.find((e: any) => e.request.url.endsWith('/api/users'))
    expect(users._devproxy.chunks).toBeUndefined()
  })

  it('the banner and each line name the file, not the recorded origin as if it forwarded there', async () => {
    const cli = spawnCli(['replay', 'session1.har', '--port', '0', '--no-watch'], { cwd: dir })
    try {
      const [, url] = await cli.waitFor(LISTENING)
      await cli.waitFor(/control: /)
      expect(cli.stdout()).toMatch(/^ {2}\/ +→ +replay session1\.har +replay$/m)
      expect(cli.stdout()).not.toContain(upstream.url)
      expect((await request(`${url}/api/users`)).headers['x-devproxy-replay']).toBe('hit')
      expect((await request(`${url}/api/nope`)).status).toBe(404)
      await cli.waitFor(/GET +\/api\/nope .*\n/)
    } finally {
      const exit = await stop(cli)
      expect(exit.stdout).toMatch(/GET +\/api\/users replay → replay session1\.har 200 .*\[replay\]$/m)
      expect(exit.stdout).toMatch(/GET +\/api\/nope replay → replay session1\.har 404 .*\[replay miss\]$/m)
      expect(exit.stdout).not.toContain(upstream.url)
    }
  })

  it('--json: target is the file, nothing forwarded', async () => {
    const cli = spawnCli(['replay', 'session1.har', '--port', '0', '--no-watch', '--json'], { cwd: dir })
    try {
      const [, url] = await cli.waitFor(LISTENING, { stream: 'stderr' })
      await request(`${url}/api/users`)
      const line = JSON.parse((await cli.waitFor(/^\{.*\}$/m))[0])
      expect(line).toMatchObject({ url: '/api/users', route: 'replay', target: 'replay session1.har', answeredBy: 'replay', forwardedUrl: null })
    } finally {
      await stop(cli)
    }
  })

  it('--fallthrough: a miss answered live carries x-devproxy-replay: miss (README), and its line names the live target', async () => {
    const cli = spawnCli(['replay', 'session1.har', '--port', '0', '--no-watch', '--fallthrough', '--target', upstream.url], { cwd: dir })
    try {
      const [, url] = await cli.waitFor(LISTENING)
      const hit = await request(`${url}/api/users`)
      expect(hit.headers['x-devproxy-replay']).toBe('hit')
      const miss = await request(`${url}/api/live-only`)
      expect(miss.status).toBe(200)
      expect(miss.json()).toEqual({ live: '/api/live-only' })
      expect(miss.headers['x-devproxy-replay']).toBe('miss')
      await cli.waitFor(/GET +\/api\/live-only .*\n/)
      expect(cli.stdout()).toMatch(new RegExp(`GET +/api/live-only default → ${upstream.url.replace(/\./g, '\\.')} 200 .*\\[replay miss → live\\]$`, 'm'))
      expect(cli.stdout()).toMatch(/GET +\/api\/users default → replay session1\.har 200 .*\[replay\]$/m)
    } finally {
      await stop(cli)
    }
  })

  it('by default a stream is replayed as fast as possible: every event at once', async () => {
    const cli = spawnCli(['replay', 'session1.har', '--port', '0', '--no-watch'], { cwd: dir })
    try {
      const [, url] = await cli.waitFor(LISTENING)
      const { events } = await within(5_000, readEvents(`${url}/events`), 'the replayed stream')
      expect(events.map((e) => e.id)).toEqual(['0', '1', '2', '3'])
      // The smallest recorded gap is 200 ms; all four came together, long before it.
      expect(events.at(-1)!.atMs - events[0]!.atMs).toBeLessThan(100)
    } finally {
      await stop(cli)
    }
  })

  it('--pace recorded: the events come at their recorded times', async () => {
    const chunks = har.log.entries.find((e: any) => e.request.url.endsWith('/events'))._devproxy.chunks as Array<[number, number]>
    const cli = spawnCli(['replay', 'session1.har', '--port', '0', '--no-watch', '--pace', 'recorded'], { cwd: dir })
    try {
      const [, url] = await cli.waitFor(LISTENING)
      const { events, headers } = await within(5_000, readEvents(`${url}/events`), 'the paced stream')
      expect(headers['x-devproxy-replay']).toBe('hit')
      expect(events.map((e) => e.id)).toEqual(['0', '1', '2', '3'])
      // Never before its time: each event comes at least its recorded offset after the request,
      // and each gap is the recorded one (the replay never sends sooner), less a slack for this
      // client reading the one before late on a loaded machine.
      const SLACK_MS = 80
      events.forEach((event, i) => expect(event.atMs).toBeGreaterThanOrEqual(chunks[i]![0]))
      for (let i = 1; i < events.length; i++) {
        expect(events[i]!.atMs - events[i - 1]!.atMs, `gap before event ${i}`).toBeGreaterThanOrEqual(chunks[i]![0] - chunks[i - 1]![0] - SLACK_MS)
      }
    } finally {
      await stop(cli)
    }
  })

  it('--pace takes fast or recorded only', async () => {
    const cli = spawnCli(['replay', 'session1.har', '--port', '0', '--pace', 'slow'], { cwd: dir })
    const exit = await cli.exited
    expect(exit.code).toBe(2)
    expect(exit.stderr).toMatch(/--pace/)
    expect(exit.stderr).toMatch(/fast|recorded/)
  })
})
