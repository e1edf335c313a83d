import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, spawnCli, type RunningCli } from '../helpers/cli.js'
import { startFakeExternal, type FakeExternal } from '../helpers/external-server.js'

/**
 * Issue 30 end to end: real clients under `devproxy run` reach fake "external" HTTPS APIs (their
 * own CAs, on 127.0.0.1, named through `outbound.resolve`) through devproxy's own forward proxy.
 * For an intercepted host each client sees the fake's answer, an injected 5xx as an ordinary
 * 5xx answer (RFC 9110 §15.6), an injected upstream reset as the 502 a real one gives through a
 * proxy (RFC 9110 §15.6.3), and a mock's answer —
 * through the whole pipeline; a host not named is tunnelled blind (RFC 9110 §9.3.6): the client
 * sees the fake's own certificate. Then a recording of outbound calls is replayed with the fakes
 * gone. Needs `npm run build`.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const API = 'api.example.test'
const OTHER = 'other.example.test'
const python = spawnSync('python3', ['-c', 'import requests'], { stdio: 'ignore' })
const pythonMissing = python.error !== undefined ? 'python3 is not installed' : python.status !== 0 ? 'the Python package requests is not installed (apt-get install python3-requests)' : undefined

let dir: string
let api: FakeExternal
let other: FakeExternal

/** The config of the directory `devproxy run` runs in: intercept api, a mock and two faults on it. */
const configSource = () => `export default {
  routes: [{ name: 'stub', host: ${JSON.stringify(API)}, path: '/mocked', mock: { json: { from: 'mock' } } }],
  outbound: {
    intercept: [${JSON.stringify(API)}],
    resolve: { ${JSON.stringify(API)}: '127.0.0.1:${api.httpsPort}', ${JSON.stringify(OTHER)}: '127.0.0.1:${other.httpsPort}' },
    ca: ['api-ca/fake-external-ca.pem'],
  },
  faults: ['5xx 100% --path /fail --host ${API}', 'reset 100% --path /reset --host ${API}'],
}
`

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devproxy-outbound-e2e-'))
  await mkdir(join(dir, 'api-ca'))
  await mkdir(join(dir, 'other-ca'))
  api = await startFakeExternal(API, join(dir, 'api-ca'))
  other = await startFakeExternal(OTHER, join(dir, 'other-ca'))
  await writeFile(join(dir, 'proxy.config.mjs'), configSource())
  // The clients' scripts import axios and got from the project's dependencies.
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir')
}, 30_000)

afterAll(async () => {
  await api?.close()
  await other?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** The other fake's CA is the user's own (as a company CA would be): run's bundle keeps it, so the tunnelled client trusts it. */
const userEnv = () => ({ DEVPROXY_DATA_DIR: join(dir, 'data'), NODE_EXTRA_CA_CERTS: other.caFile, SSL_CERT_FILE: undefined, REQUESTS_CA_BUNDLE: undefined, CURL_CA_BUNDLE: undefined, HTTP_PROXY: undefined, HTTPS_PROXY: undefined, http_proxy: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined })

/** One line per call: `{ path, status }` or `{ path, error: true }`; for /ok and /mocked also what answered. */
const PATHS = ['/ok', '/mocked', '/fail', '/reset'] as const
const url = (path: string) => `https://${API}/${path.slice(1)}`

function expectOutcomes(stdout: string): void {
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { path: string; status?: number; from?: string; error?: boolean })
  expect(lines).toEqual([
    { path: '/ok', status: 200, from: 'fake-external' },
    { path: '/mocked', status: 200, from: 'mock' },
    { path: '/fail', status: expect.any(Number) },
    // `reset` is the upstream resetting (README: Faults): through a proxy, what a client sees of that is a 502.
    { path: '/reset', status: 502 },
  ])
  expect(lines[2]!.status).toBeGreaterThanOrEqual(500)
}

const NODE_CALLS = (call: string) => `
for (const path of ${JSON.stringify(PATHS)}) {
  try {
    const { status, body } = await (${call})(${JSON.stringify(`https://${API}`)} + path)
    const line = { path, status }
    if (status === 200) line.from = JSON.parse(body).from
    console.log(JSON.stringify(line))
  } catch { console.log(JSON.stringify({ path, error: true })) }
}`

const CLIENTS: Record<string, { argv: string[]; skip?: string }> = {
  'Node fetch': { argv: [process.execPath, '--input-type=module', '-e', NODE_CALLS('async (u) => { const r = await fetch(u); return { status: r.status, body: await r.text() } }')] },
  'Node https.get': {
    argv: [
      process.execPath,
      '--input-type=module',
      '-e',
      `import https from 'node:https'\n${NODE_CALLS("(u) => new Promise((resolve, reject) => https.get(u, (res) => { let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => resolve({ status: res.statusCode, body })); res.on('error', reject) }).on('error', reject))")}`,
    ],
  },
  axios: { argv: [process.execPath, '--input-type=module', '-e', `import axios from 'axios'\n${NODE_CALLS("async (u) => { const r = await axios.get(u, { responseType: 'text', validateStatus: () => true }); return { status: r.status, body: r.data } }")}`] },
  got: { argv: [process.execPath, '--input-type=module', '-e', `import got from 'got'\n${NODE_CALLS('async (u) => { const r = await got(u, { throwHttpErrors: false, retry: { limit: 0 } }); return { status: r.statusCode, body: r.body } }')}`] },
  curl: {
    argv: [
      'sh',
      '-c',
      PATHS.map(
        (path) =>
          `out=$(curl -sS -w '\\n%{http_code}' ${url(path)} 2>/dev/null) && code=$(printf '%s' "$out" | tail -n1) && body=$(printf '%s' "$out" | sed '$d') && node -e 'const [p,c,b]=process.argv.slice(1); const l={path:p,status:Number(c)}; if (l.status===200) l.from=JSON.parse(b).from; console.log(JSON.stringify(l))' ${path} "$code" "$body" || echo '{"path":"${path}","error":true}'`,
      ).join('; '),
    ],
  },
  'Python requests': {
    skip: pythonMissing,
    argv: [
      'python3',
      '-c',
      `import json, requests
for path in ${JSON.stringify(PATHS)}:
    try:
        r = requests.get(${JSON.stringify(`https://${API}`)} + path, timeout=10)
        line = {"path": path, "status": r.status_code}
        if r.status_code == 200: line["from"] = r.json()["from"]
        print(json.dumps(line))
    except Exception:
        print(json.dumps({"path": path, "error": True}))`,
    ],
  },
}

describe('devproxy run: real clients through devproxy’s forward proxy (issue 30)', () => {
  for (const [name, client] of Object.entries(CLIENTS)) {
    it.skipIf(client.skip !== undefined)(`${name}: the fake's answer, a mock, an injected 5xx and reset${client.skip ? ` — SKIPPED: ${client.skip}` : ''}`, async () => {
      const result = await runCli(['run', '--json', '--', ...client.argv], { cwd: dir, env: userEnv() })
      expect(result.code, result.stderr).toBe(0)
      expectOutcomes(result.stdout)
      // The proxy's --json lines went to stderr: each call was a transaction of the intercepted host.
      const seen = result.stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { url: string; kind?: string })
      for (const path of PATHS) expect(seen.some((tx) => tx.url.endsWith(path))).toBe(true)
    }, 60_000)
  }

  it('a host not in the intercept list is tunnelled blind: the client sees the fake’s own certificate', async () => {
    const script = `require('node:https').get('https://${OTHER}/tunnelled', (res) => { console.log(res.socket.getPeerCertificate(true).issuerCertificate.subject.CN); res.resume() }).on('error', (e) => { console.error(e.message); process.exit(1) })`
    const result = await runCli(['run', '--', process.execPath, '-e', script], { cwd: dir, env: userEnv() })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout.trim()).not.toMatch(/devproxy intercept CA/)
    expect(result.stdout.trim()).toMatch(/devproxy local CA/)
    // One line for the tunnel, naming the host.
    expect(result.stderr).toContain(`${OTHER}:443`)
  }, 60_000)
})

describe('record outbound calls, then replay them with the external API gone (issue 30)', () => {
  let proxy: RunningCli | undefined
  afterAll(async () => {
    proxy?.child.kill('SIGKILL')
  })

  it('a command under devproxy run gets the recorded answers from devproxy replay', async () => {
    const har = join(dir, 'outbound.har')
    const fetchOk = `fetch('https://${API}/ok?n=1').then(async (r) => console.log(r.status, await r.text()))`
    proxy = spawnCli(['record', '--out', har, '--port', '0'], { cwd: dir, env: userEnv() })
    await proxy.waitFor(/listening on http:\/\/[\d.]+:\d+/)
    const live = await runCli(['run', '--', process.execPath, '-e', fetchOk], { cwd: dir, env: userEnv() })
    expect(live.code, live.stderr).toBe(0)
    expect(live.stdout).toContain('200')
    expect(live.stdout).toContain('fake-external')
    proxy.child.kill('SIGINT')
    await proxy.exited
    expect(JSON.parse(await readFile(har, 'utf8')).log.entries).toHaveLength(1)

    await api.close()
    // The recording answers; the directory's config makes the replay the forward proxy run looks for.
    proxy = spawnCli(['replay', har, '--port', '0'], { cwd: dir, env: userEnv() })
    await proxy.waitFor(/listening on http:\/\/[\d.]+:\d+/)
    const replayed = await runCli(['run', '--', process.execPath, '-e', fetchOk], { cwd: dir, env: userEnv() })
    expect(replayed.code, replayed.stderr).toBe(0)
    expect(replayed.stdout).toBe(live.stdout)
    proxy.child.kill('SIGINT')
    await proxy.exited
  }, 90_000)
})
