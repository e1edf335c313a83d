import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { freePort } from '../helpers/raw-client.js'
import { request, startUpstream, type TestUpstream } from '../helpers/servers.js'

/**
 * Issue 17: a recording holds everything the proxy saw, marked with how it ended, and a replay
 * serves each entry as what it was — never a cut body as a whole one, never a failed request
 * as devproxy's own 500, never live traffic without --fallthrough.
 */

const validateHar = createRequire(import.meta.url)('har-validator').har as (har: unknown) => Promise<unknown>
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/
/** Bigger than the old 1 MiB default, smaller than a typical pre-bundled dependency (lodash-es: 1.5 MB). */
const ASSET = Buffer.from(`export const data = "${'x'.repeat(1_600_000)}"\n`)
const FIVE_K = Buffer.from('y'.repeat(5000))

function api(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://upstream')
  if (url.pathname === '/events') {
    // An EventSource stream: it never ends on its own.
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
    res.flushHeaders()
    let n = 0
    const timer = setInterval(() => res.write(`data: ${n++}\n\n`), 20)
    res.on('close', () => clearInterval(timer))
    return
  }
  if (url.pathname === '/api/users') return void res.writeHead(200, { 'content-type': 'application/json' }).end('[{"id":1}]')
  if (url.pathname === '/api/x') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"x":true}')
  if (url.pathname === '/vendor.js') return void res.writeHead(200, { 'content-type': 'text/javascript', 'content-length': ASSET.length }).end(ASSET)
  if (url.pathname === '/five-k') return void res.writeHead(200, { 'content-type': 'text/plain', 'content-length': FIVE_K.length }).end(FIVE_K)
  if (url.pathname === '/file') return void res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': 1234 }).end(req.method === 'HEAD' ? undefined : Buffer.alloc(1234))
  if (url.pathname === '/app.js') {
    if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304, { etag: '"v1"' }).end()
    return void res.writeHead(200, { 'content-type': 'text/javascript', etag: '"v1"' }).end('console.log(1)')
  }
  res.writeHead(404).end()
}

let upstream: TestUpstream
let dir: string
beforeAll(async () => {
  upstream = await startUpstream(api)
  dir = await mkdtemp(join(tmpdir(), 'devproxy-fidelity-'))
})
afterAll(async () => {
  await upstream.close()
  await rm(dir, { recursive: true, force: true })
})

/** `devproxy record ARGS`, some traffic, Ctrl-C; the finished file and the exit. */
async function record(out: string, traffic: (url: string, cli: RunningCli) => Promise<void>, args: string[] = []) {
  const cli = spawnCli(['record', '--target', upstream.url, '--port', '0', '--out', out, ...args], { cwd: dir })
  const [, url] = await cli.waitFor(LISTENING)
  await traffic(url!, cli)
  cli.child.kill('SIGINT')
  const exit = await cli.exited
  expect(exit.code, exit.stderr).toBe(0)
  return { exit, har: JSON.parse(await readFile(join(dir, out), 'utf8')) }
}

/** `devproxy replay ARGS` for the length of `use`, then Ctrl-C. */
async function replay(args: string[], use: (url: string, cli: RunningCli) => Promise<void>, cwd = dir): Promise<void> {
  const cli = spawnCli(['replay', ...args], { cwd })
  try {
    const [, url] = await cli.waitFor(LISTENING)
    await use(url!, cli)
  } finally {
    cli.child.kill('SIGINT')
    await cli.exited
  }
}

/** Opens a stream and resolves once its first bytes arrived; the request is the client's handle on it. */
function openStream(url: string): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.once('data', () => resolve(req))
      res.on('error', () => {})
    })
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)))
  })
}

const byUrl = (har: any, path: string) => har.log.entries.find((e: any) => new URL(e.request.url).pathname + new URL(e.request.url).search === path)

describe('what a recording holds', () => {
  it('a stream still open at Ctrl-C is recorded, marked shutdown and truncated; one the client dropped is marked client-aborted', async () => {
    const { exit, har } = await record('streams.har', async (url, cli) => {
      const dropped = await openStream(`${url}/events?tab=2`)
      dropped.destroy()
      await cli.waitFor(/\/events\?tab=2 .*\[client aborted\]/)
      await openStream(`${url}/events?tab=1`)
    })
    expect(exit.stdout).toContain('recorded 2 transactions to streams.har')
    const open = byUrl(har, '/events?tab=1')
    expect(open, 'the stream open at Ctrl-C').toBeDefined()
    expect(open._devproxy).toMatchObject({ ending: 'shutdown', truncated: { request: false, response: true } })
    expect(open.response.status).toBe(200)
    expect(open.response.content.text).toMatch(/^data: 0\n\n/)
    expect(byUrl(har, '/events?tab=2')._devproxy).toMatchObject({ ending: 'client-aborted', truncated: { response: true } })
    await expect(validateHar(har)).resolves.toBeTruthy()
  }, 20_000)

  it('an entry is in the file the moment its client has the response: SIGKILL right then, 5 times out of 5', async () => {
    const files: string[] = []
    for (let i = 0; i < 5; i++) {
      const out = `killed-${i}.har`
      files.push(out)
      const cli = spawnCli(['record', '--target', upstream.url, '--port', '0', '--out', out], { cwd: dir })
      const [, url] = await cli.waitFor(LISTENING)
      await new Promise<void>((resolve, reject) => {
        http
          .get(`${url}/api/users`, { agent: false }, (res) => {
            res.resume()
            res.on('end', () => {
              cli.child.kill('SIGKILL')
              resolve()
            })
          })
          .on('error', reject)
      })
      expect((await cli.exited).signal).toBe('SIGKILL')
    }
    const found = []
    for (const out of files) {
      const diff = await runCli(['diff', out, out, '--json'], { cwd: dir })
      expect(diff.code, diff.stderr).toBe(0)
      found.push(JSON.parse(diff.stdout).endpoints.map((e: { key: string }) => e.key).join())
    }
    expect(found).toEqual(Array(5).fill('GET /api/users'))
  }, 60_000) // five CLI starts: on a loaded 2-core machine each takes seconds

  it('with 20 responses at once, each entry is in the file when its client has the response (a turn\'s entries go in one write)', async () => {
    const out = 'concurrent.har'
    const cli = spawnCli(['record', '--target', upstream.url, '--port', '0', '--out', out], { cwd: dir })
    try {
      const [, url] = await cli.waitFor(LISTENING)
      const agent = new http.Agent({ keepAlive: true, maxSockets: 20 })
      // Read the file the moment each response has ended, before anything else runs.
      const seen = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          new Promise<boolean>((resolve, reject) => {
            http
              .get(`${url}/api/users?n=${n}`, { agent }, (res) => {
                res.resume()
                res.on('end', () => resolve(readFileSync(join(dir, out), 'utf8').includes(`/api/users?n=${n}"`)))
              })
              .on('error', reject)
          }),
        ),
      )
      agent.destroy()
      expect(seen).toEqual(Array(20).fill(true))
    } finally {
      cli.child.kill('SIGINT')
      await cli.exited
    }
  }, 20_000)

  it('keeps a 1.6 MB asset whole by default; a body cut at --max-body keeps its real size', async () => {
    const whole = await record('assets.har', async (url) => {
      expect((await request(`${url}/vendor.js`)).body.length).toBe(ASSET.length)
    })
    expect(whole.exit.stdout).toMatch(/recording to assets\.har \(bodies up to 8 MiB/)
    const asset = byUrl(whole.har, '/vendor.js')
    expect(asset._devproxy.truncated.response).toBe(false)
    expect(asset.response.content.size).toBe(ASSET.length)
    expect(asset.response.content.text.length).toBe(ASSET.length)

    const cut = await record('cut.har', async (url) => {
      await request(`${url}/five-k`)
      await request(`${url}/api/users`)
    }, ['--max-body', '1000'])
    const entry = byUrl(cut.har, '/five-k')
    expect(entry._devproxy.truncated.response).toBe(true)
    expect(entry.response.content.text.length).toBe(1000)
    expect(entry.response.content.size).toBe(5000)
    await expect(validateHar(cut.har)).resolves.toBeTruthy()
  })

  it('entries name the upstream address and connection (serverIPAddress, connection)', async () => {
    const { har } = await record('conn.har', async (url) => {
      await request(`${url}/api/users`)
      await request(`${url}/api/x`)
    })
    const [first, second] = har.log.entries
    expect(first.serverIPAddress).toBe('127.0.0.1')
    expect(first.connection).toMatch(/^\d+$/)
    // The second request went over the same pooled upstream connection.
    expect(second.connection).toBe(first.connection)
    await expect(validateHar(har)).resolves.toBeTruthy()
  })
})

describe('what a replay serves', () => {
  it('a truncated entry is answered 502 replay_truncated, never as a whole body; the banner counts them', async () => {
    await record('cut-replay.har', async (url) => {
      await request(`${url}/five-k`)
      await request(`${url}/api/users`)
    }, ['--max-body', '1000'])
    await replay(['cut-replay.har', '--port', '0'], async (url, cli) => {
      expect(cli.stdout()).toMatch(/1 truncated/)
      const cut = await request(`${url}/five-k`)
      expect(cut.status).toBe(502)
      expect(cut.headers['x-devproxy-replay']).toBe('truncated')
      expect(cut.headers['x-devproxy-error']).toBe('replay_truncated')
      const error = cut.json().error
      expect(error.type).toBe('replay_truncated')
      expect(error.message).toContain('GET /five-k')
      expect(error.message).toContain('1000 of 5000 bytes')
      expect(error.hint).toContain('--max-body')
      await cli.waitFor(/\/five-k .*502.*\[replay_truncated\]/)
      const whole = await request(`${url}/api/users`)
      expect(whole.status).toBe(200)
      expect(whole.headers['x-devproxy-replay']).toBe('hit')
    })
  })

  it('HEAD keeps its recorded length; a 304 goes only to a conditional request; cache-busters do not miss', async () => {
    await record('cache.har', async (url) => {
      expect((await request(`${url}/file`, { method: 'HEAD' })).headers['content-length']).toBe('1234')
      expect((await request(`${url}/app.js`)).status).toBe(200)
      expect((await request(`${url}/app.js`, { headers: { 'if-none-match': '"v1"' } })).status).toBe(304)
      await request(`${url}/api/x?_=1700000000001`)
    })
    await replay(['cache.har', '--port', '0'], async (url) => {
      const head = await request(`${url}/file`, { method: 'HEAD' })
      expect(head.status).toBe(200)
      expect(head.headers['content-length']).toBe('1234')
      for (let i = 0; i < 2; i++) {
        const app = await request(`${url}/app.js`)
        expect(app.status, `unconditional request ${i + 1}`).toBe(200)
        expect(app.body.toString()).toBe('console.log(1)')
      }
      expect((await request(`${url}/app.js`, { headers: { 'if-none-match': '"v1"' } })).status).toBe(304)
      const busted = await request(`${url}/api/x?_=1700000000999`)
      expect(busted.status).toBe(200)
      expect(busted.headers['x-devproxy-replay']).toBe('hit')
    })
  })

  it('a WebSocket upgrade is refused without --fallthrough (nothing goes live) and proxied with it', async () => {
    const wss = new WebSocketServer({ server: upstream.server })
    let upgrades = 0
    wss.on('connection', (ws) => {
      upgrades++
      ws.close()
    })
    try {
      await record('ws.har', async (url) => void (await request(`${url}/api/users`)))
      await replay(['ws.har', '--port', '0'], async (url) => {
        const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const client = new WebSocket(`${url.replace('http', 'ws')}/hmr`)
          client.once('open', () => reject(new Error('the upgrade went live')))
          client.once('error', () => {})
          client.once('unexpected-response', (_req, res) => {
            let body = ''
            res.on('data', (chunk: Buffer) => (body += chunk.toString()))
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
          })
        })
        expect(answer.status).toBe(501)
        const error = JSON.parse(answer.body).error
        expect(error.type).toBe('replay_websocket_not_recorded')
        expect(error.message).toContain('WebSocket traffic is not recorded in HAR')
        expect(error.hint).toContain('--fallthrough')
      })
      expect(upgrades).toBe(0)
      await replay(['ws.har', '--port', '0', '--fallthrough', '--target', upstream.url], async (url) => {
        const client = new WebSocket(`${url.replace('http', 'ws')}/hmr`)
        await new Promise<void>((resolve, reject) => {
          client.once('open', () => resolve())
          client.once('error', reject)
        })
        client.terminate()
      })
      expect(upgrades).toBe(1)
    } finally {
      for (const client of wss.clients) client.terminate()
      wss.close()
    }
  })

  it("listens on the config's port unless --port is given, where the recording was made", async () => {
    const project = await mkdtemp(join(tmpdir(), 'devproxy-replay-port-'))
    try {
      const port = await freePort()
      await writeFile(join(project, 'proxy.config.ts'), `export default { port: ${port}, routes: [{ path: '/', target: 'http://127.0.0.1:9' }] }\n`)
      // Recorded through this config's proxy: its URLs name the very address replay listens on.
      const recorded = { ...entry('GET', '/api/users', 200, '[]'), request: { ...entry('GET', '/api/users', 200, '[]').request, url: `http://127.0.0.1:${port}/api/users` } }
      await writeFile(join(project, 'tiny.har'), JSON.stringify(chromeHar([recorded])))
      await replay(['tiny.har'], async (url) => {
        expect(url).toBe(`http://127.0.0.1:${port}`)
        expect((await request(`${url}/api/users`)).status).toBe(200)
      }, project)
      await replay(['tiny.har', '--port', '0'], async (url) => expect(url).not.toBe(`http://127.0.0.1:${port}`), project)
    } finally {
      await rm(project, { recursive: true, force: true })
    }
  })
})

describe('HAR files from browsers', () => {
  it('reads files that start with a UTF-8 byte-order mark (replay and diff)', async () => {
    await writeFile(join(dir, 'bom.har'), `\uFEFF${JSON.stringify(chromeHar([entry('GET', '/api/users', 200, '[{"id":1}]')]))}`)
    const diff = await runCli(['diff', 'bom.har', 'bom.har'], { cwd: dir })
    expect(diff.stderr).toBe('')
    expect(diff.code).toBe(0)
    await replay(['bom.har', '--port', '0'], async (url) => {
      expect((await request(`${url}/api/users`)).body.toString()).toBe('[{"id":1}]')
    })
  })

  it('replays a failed request (status 0) as a failure, and a cached 304 only to a conditional request', async () => {
    const failed = { ...entry('GET', '/api/down', 0, ''), response: { ...entry('GET', '/api/down', 0, '').response, statusText: '', _error: 'net::ERR_CONNECTION_REFUSED' } }
    await writeFile(join(dir, 'chrome.har'), JSON.stringify(chromeHar([failed, entry('GET', '/cached.js', 304, '')])))
    await replay(['chrome.har', '--port', '0'], async (url, cli) => {
      expect(cli.stdout()).toMatch(/1 failed/)
      const down = await request(`${url}/api/down`)
      expect(down.status).toBe(502)
      expect(down.headers['x-devproxy-replay']).toBe('failed')
      expect(down.json().error).toMatchObject({ type: 'replay_failed_entry' })
      expect(down.json().error.message).toContain('net::ERR_CONNECTION_REFUSED')
      const unconditional = await request(`${url}/cached.js`)
      expect(unconditional.status).toBe(404)
      expect(unconditional.json().error.type).toBe('replay_miss')
      expect(unconditional.json().error.message).toContain('only 304 Not Modified')
      expect((await request(`${url}/cached.js`, { headers: { 'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' } })).status).toBe(304)
    })
  })
})

/** An entry as Chrome exports it (no _devproxy fields). */
function entry(method: string, path: string, status: number, text: string) {
  return {
    startedDateTime: '2026-11-23T10:00:00.000Z',
    time: 1,
    request: { method, url: `http://localhost:5173${path}`, httpVersion: 'HTTP/1.1', cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
    response: {
      status,
      statusText: status === 200 ? 'OK' : '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [{ name: 'content-type', value: 'application/json' }],
      content: { size: text.length, mimeType: 'application/json', text },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: 1, receive: 0 },
  }
}

function chromeHar(entries: unknown[]) {
  return { log: { version: '1.2', creator: { name: 'WebInspector', version: '537.36' }, pages: [], entries } }
}
