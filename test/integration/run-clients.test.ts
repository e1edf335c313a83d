import { execFile, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { writeCaBundle } from '../../src/run/ca-bundle.js'
import { buildChildEnv } from '../../src/run/child-env.js'
import { startFakeExternal, type FakeExternal } from '../helpers/external-server.js'
import { startForwardProxy, type FixtureForwardProxy } from '../helpers/forward-proxy.js'

/**
 * The environment `devproxy run` builds, given to real clients, each its own process, against a
 * fixture forward proxy (CONNECT tunnels, RFC 9110 §9.3.6; absolute form, RFC 9112 §3.2.2) and a
 * fake external API whose CA only the bundle holds: each call must be seen by the proxy and get
 * the fake's answer, which it can only do by trusting the bundle. Needs `npm run build` (the
 * preload is dist/run/preload.js).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PRELOAD = pathToFileURL(join(ROOT, 'dist/run/preload.js')).href
const NAME = 'api.example.test'
const python = spawnSync('python3', ['-c', 'import requests'], { stdio: 'ignore' })
const pythonMissing = python.error !== undefined ? 'python3 is not installed' : python.status !== 0 ? 'the Python package requests is not installed (apt-get install python3-requests)' : undefined

let dir: string
let fake: FakeExternal
let proxy: FixtureForwardProxy
let bundle: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devproxy-run-clients-'))
  fake = await startFakeExternal(NAME, dir)
  proxy = await startForwardProxy([NAME])
  bundle = await writeCaBundle(dir, { interceptCaPem: fake.caPem, env: {} })
})

afterAll(async () => {
  await proxy?.close()
  await fake?.close()
  await rm(dir, { recursive: true, force: true })
})

beforeEach(() => {
  proxy.seen.length = 0
})

/** The environment of `devproxy run` over a clean one (no proxy or CA variables of the machine's). */
function runEnv(options: { proxyLoopback?: boolean } = {}): NodeJS.ProcessEnv {
  const base: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG }
  return buildChildEnv({ env: base, proxyUrl: proxy.url, caBundleFile: bundle, preload: PRELOAD, proxyLoopback: options.proxyLoopback ?? false, interceptHosts: [NAME] }).env
}

function run(file: string, args: readonly string[], env = runEnv()): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, cwd: ROOT, timeout: 15_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${file} failed: ${error.message}\n${stderr}`)) : resolve(stdout)))
  })
}

const httpsUrl = (path: string) => `https://${NAME}:${fake.httpsPort}${path}`
const httpUrl = (path: string) => `http://${NAME}:${fake.httpPort}${path}`

function expectFakeAnswer(stdout: string, scheme: 'https' | 'http', path: string): void {
  expect(JSON.parse(stdout.trim())).toMatchObject({ from: 'fake-external', scheme, path })
}

describe('clients under the environment of devproxy run go through the proxy and trust the bundle', () => {
  it('curl (https: CONNECT, CURL_CA_BUNDLE)', async () => {
    expectFakeAnswer(await run('curl', ['-sS', '--fail', httpsUrl('/curl')]), 'https', '/curl')
    expect(proxy.seen).toEqual([{ method: 'CONNECT', target: `${NAME}:${fake.httpsPort}` }])
  })

  it('curl (http: absolute form)', async () => {
    expectFakeAnswer(await run('curl', ['-sS', '--fail', httpUrl('/curl-plain')]), 'http', '/curl-plain')
    expect(proxy.seen).toEqual([{ method: 'GET', target: httpUrl('/curl-plain') }])
  })

  it("Node's fetch, https (the preload's global dispatcher, NODE_EXTRA_CA_CERTS)", async () => {
    expectFakeAnswer(await run(process.execPath, ['-e', `fetch(${JSON.stringify(httpsUrl('/fetch'))}).then((r) => r.text()).then(console.log)`]), 'https', '/fetch')
    expect(proxy.seen).toEqual([{ method: 'CONNECT', target: `${NAME}:${fake.httpsPort}` }])
  })

  it("Node's fetch, http: absolute form (proxyTunnel: false)", async () => {
    expectFakeAnswer(await run(process.execPath, ['-e', `fetch(${JSON.stringify(httpUrl('/fetch-plain'))}).then((r) => r.text()).then(console.log)`]), 'http', '/fetch-plain')
    expect(proxy.seen).toEqual([{ method: 'GET', target: httpUrl('/fetch-plain') }])
  })

  it("Node's https.get, through https.globalAgent (a CommonJS program)", async () => {
    const script = `require('node:https').get(${JSON.stringify(httpsUrl('/https-get'))}, (res) => res.pipe(process.stdout)).on('error', (e) => { console.error(e); process.exit(1) })`
    expectFakeAnswer(await run(process.execPath, ['-e', script]), 'https', '/https-get')
    expect(proxy.seen).toEqual([{ method: 'CONNECT', target: `${NAME}:${fake.httpsPort}` }])
  })

  it("Node's https.request with an agent of its own (keep-alive)", async () => {
    const script = `const https = require('node:https'); const agent = new https.Agent({ keepAlive: true }); https.get(${JSON.stringify(httpsUrl('/own-agent'))}, { agent }, (res) => { res.pipe(process.stdout); res.on('end', () => agent.destroy()) })`
    expectFakeAnswer(await run(process.execPath, ['-e', script]), 'https', '/own-agent')
    expect(proxy.seen).toEqual([{ method: 'CONNECT', target: `${NAME}:${fake.httpsPort}` }])
  })

  it("Node's http.get: absolute form", async () => {
    const script = `require('node:http').get(${JSON.stringify(httpUrl('/http-get'))}, (res) => res.pipe(process.stdout))`
    expectFakeAnswer(await run(process.execPath, ['-e', script]), 'http', '/http-get')
    expect(proxy.seen).toEqual([{ method: 'GET', target: httpUrl('/http-get') }])
  })

  it('loopback stays direct (NO_PROXY)', async () => {
    const script = `require('node:http').get('http://127.0.0.1:${fake.httpPort}/direct', (res) => res.pipe(process.stdout))`
    expectFakeAnswer(await run(process.execPath, ['-e', script]), 'http', '/direct')
    expect(proxy.seen).toEqual([])
  })

  it('axios, https: its own CONNECT tunnel, once', async () => {
    const script = `import axios from 'axios'; const r = await axios.get(${JSON.stringify(httpsUrl('/axios'))}, { responseType: 'text' }); console.log(r.data)`
    expectFakeAnswer(await run(process.execPath, ['--input-type=module', '-e', script]), 'https', '/axios')
    expect(proxy.seen).toEqual([{ method: 'CONNECT', target: `${NAME}:${fake.httpsPort}` }])
  })

  it('axios, http: its own absolute-form request, not proxied a second time by the preload (also with --proxy-loopback)', async () => {
    const script = `import axios from 'axios'; const r = await axios.get(${JSON.stringify(httpUrl('/axios-plain'))}, { responseType: 'text' }); console.log(r.data)`
    for (const proxyLoopback of [false, true]) {
      proxy.seen.length = 0
      expectFakeAnswer(await run(process.execPath, ['--input-type=module', '-e', script], runEnv({ proxyLoopback })), 'http', '/axios-plain')
      expect(proxy.seen).toEqual([{ method: 'GET', target: httpUrl('/axios-plain') }])
    }
  })

  it('got (reads no proxy variables: caught by the preload’s agents)', async () => {
    const script = `import got from 'got'; console.log(await got(${JSON.stringify(httpsUrl('/got'))}).text())`
    expectFakeAnswer(await run(process.execPath, ['--input-type=module', '-e', script]), 'https', '/got')
    expect(proxy.seen).toEqual([{ method: 'CONNECT', target: `${NAME}:${fake.httpsPort}` }])
  })

  it.skipIf(pythonMissing !== undefined)(`Python requests (REQUESTS_CA_BUNDLE)${pythonMissing ? ` — SKIPPED: ${pythonMissing}` : ''}`, async () => {
    const script = `import requests; print(requests.get(${JSON.stringify(httpsUrl('/python'))}, timeout=10).text)`
    expectFakeAnswer(await run('python3', ['-c', script]), 'https', '/python')
    expect(proxy.seen).toEqual([{ method: 'CONNECT', target: `${NAME}:${fake.httpsPort}` }])
  })
})
