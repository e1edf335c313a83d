import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_HEADER, type TransactionDetail } from '../../src/inspector/api.js'
import { spawnCli, type RunningCli } from '../helpers/cli.js'
import { startControlledProxy, type ControlledProxy } from '../helpers/control.js'
import { loginToken, signIn } from '../helpers/inspector.js'
import { request } from '../helpers/servers.js'

/**
 * No devproxy secret is ever written where a user copies from (issue 27 item 8): the control
 * token, the inspector's one-time login token and its sessions never appear in `--json` lines,
 * the log file (-vvv, body diffs), a HAR (even with --no-redact), or the inspector's detail and
 * HAR download — not even those of a second devproxy the secrets pass through. Here devproxy B
 * (`devproxy record --no-redact -vvv --json --log-file`, as a user runs it) stands in front of
 * devproxy A's control server, and a client signs in to A's inspector and calls A's API through
 * B. B must pass everything on unchanged (A still answers) and write none of it down.
 */

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/
const INSPECTOR = /inspector: (http:\/\/127\.0\.0\.1:\d+\/inspector\/login#token=\S+)/

let a: ControlledProxy
let dir: string
let b: RunningCli
let bUrl: string
let bInspector: string
/** Every secret of A's that went through B. */
const secrets: string[] = []

/** A request to A's control server, sent through B (B's route forwards the Host as it came). */
function throughB(method: string, path: string, headers: Record<string, string>, body?: string) {
  return request(`${bUrl}${path}`, { method, headers: { host: `127.0.0.1:${a.port}`, ...headers }, ...(body === undefined ? {} : { body }) })
}

beforeAll(async () => {
  a = await startControlledProxy('secrets-a', (target) => [{ name: 'api', path: '/', target }])
  dir = await mkdtemp(join(tmpdir(), 'devproxy-secrets-b-'))
  b = spawnCli(['record', '--target', a.control.url, '--port', '0', '--no-watch', '--no-redact', '-vvv', '--json', '--log-file', 'b.log', '--out', 'b.har'], { cwd: dir })
  bUrl = (await b.waitFor(LISTENING, { stream: 'stderr' }))[1]!
  bInspector = (await b.waitFor(INSPECTOR, { stream: 'stderr' }))[1]!

  const origin = a.control.url
  // A login link of the older form, its token in the query: a URL is logged and recorded.
  const oldStyle = loginToken(a.control.inspectorUrl())
  secrets.push(oldStyle)
  expect((await throughB('GET', `/inspector/login?token=${oldStyle}`, {})).status).toBe(200)
  // Signing in twice, as the page does: the token goes in a request body, the session comes back in a response body.
  const sessions: string[] = []
  for (let n = 0; n < 2; n++) {
    const token = loginToken(a.control.inspectorUrl())
    const signedIn = await throughB('POST', '/v1/inspector/session', { origin, 'content-type': 'application/json' }, JSON.stringify({ token }))
    expect(signedIn.status).toBe(201)
    const { session } = JSON.parse(signedIn.body.toString()) as { session: string }
    secrets.push(token, session)
    sessions.push(session)
  }
  // The session in its header, and in a cookie (as the old inspector kept it); the control token as a bearer.
  expect((await throughB('GET', '/v1/faults', { [SESSION_HEADER]: sessions[0]! })).status).toBe(200)
  expect((await throughB('GET', '/v1/metrics', { cookie: `app=1; devproxy_inspector_1=${sessions[1]}` })).status).toBe(401)
  expect((await throughB('GET', '/v1/status', { authorization: `Bearer ${a.control.token}` })).status).toBe(200)
  secrets.push(a.control.token)
  await b.waitFor(/\/v1\/status/, { stream: 'stdout' })
}, 60_000)

afterAll(async () => {
  if (b !== undefined && b.child.exitCode === null) {
    b.child.kill('SIGINT')
    await b.exited
  }
  await a?.close()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

function expectNoSecret(text: string, where: string): void {
  expect(secrets).toHaveLength(6)
  for (const secret of secrets) expect(text.includes(secret), `a secret of devproxy A in ${where}`).toBe(false)
  // The secret's random part alone neither (a redaction that kept it would be none).
  for (const secret of secrets) expect(text.includes(secret.slice(-43)), `the random part of a secret in ${where}`).toBe(false)
}

describe('what devproxy B shows and writes of devproxy A\'s secrets', () => {
  it('--json lines: none (the transactions are there, their secrets redacted)', () => {
    const lines = b.stdout().trim().split('\n').map((line) => JSON.parse(line))
    expect(lines.map((line) => line.url)).toEqual(expect.arrayContaining(['/v1/inspector/session', '/v1/faults', '/v1/status']))
    expectNoSecret(b.stdout(), '--json')
    const status = lines.find((line) => line.url === '/v1/status')
    expect(status.headers.request.authorization).toBe('Bearer [devproxy secret]')
  })

  it('the inspector of B: detail views (header rows, bodies, URL) and its HAR download hold none', async () => {
    const session = await signIn(bInspector)
    const headers = { [SESSION_HEADER]: session, host: new URL(bInspector).host }
    const har = await request(`${new URL(bInspector).origin}/v1/inspector/har`, { headers })
    expect(har.status).toBe(200)
    expectNoSecret(har.body.toString(), "B's inspector HAR")
    const ids: string[] = JSON.parse(har.body.toString()).log.entries.map((entry: any) => entry._devproxy.id)
    expect(ids.length).toBeGreaterThanOrEqual(6)
    for (const id of ids) {
      const detail = await request(`${new URL(bInspector).origin}/v1/inspector/transactions/${id}`, { headers })
      const parsed: TransactionDetail = JSON.parse(detail.body.toString())
      const decoded = [parsed.requestBody, parsed.responseBody].map((body) => (body === null ? '' : Buffer.from(body.base64, 'base64').toString()))
      expectNoSecret(detail.body.toString() + decoded.join(''), `B's inspector detail of ${parsed.summary.url}`)
    }
  })

  it('after Ctrl-C: the HAR (--no-redact) and the log file (-vvv) hold none', async () => {
    b.child.kill('SIGINT')
    await b.exited
    const har = await readFile(join(dir, 'b.har'), 'utf8')
    expect(JSON.parse(har).log.entries.length).toBeGreaterThanOrEqual(6)
    expectNoSecret(har, 'the HAR')
    // Bodies are in it, as --no-redact promises: only the secrets in them are blanked.
    expect(har).toContain('[devproxy secret]')
    const log = await readFile(join(dir, 'b.log'), 'utf8')
    // The lines and body diffs are there, the secrets in them blanked.
    expect(log).toContain('GET    /inspector/login?token=[devproxy secret] ')
    expect(log).toContain('{"session":"[devproxy secret]"}')
    expectNoSecret(log, 'the log file')
  })
})
