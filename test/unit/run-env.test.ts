import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { describe, expect, it } from 'vitest'
import { bundleSources, composeBundle } from '../../src/run/ca-bundle.js'
import { buildChildEnv } from '../../src/run/child-env.js'
import { exitCodeOf } from '../../src/run/exit-code.js'
import { clientProxyUrl, forwardModeOf } from '../../src/run/forward-mode.js'
import { noProxyFor } from '../../src/run/no-proxy.js'
import { quoteNodeOption, withImport } from '../../src/run/node-options.js'
import { parseResolveFlags, splitRunArgv } from '../../src/run/run-argv.js'

/** What `devproxy run` gives its command, piece by piece. */

const [ROOT_A = '', ROOT_B = ''] = tls.rootCertificates

describe('NO_PROXY', () => {
  it.each([
    { case: 'loopback by default, both IPv6 spellings (Node matches [::1], curl ::1)', user: [], loopback: false, intercept: [], value: 'localhost,127.0.0.1,::1,[::1]', dropped: [] },
    { case: "the user's entries kept after loopback, deduplicated across NO_PROXY and no_proxy", user: ['intranet.corp, .svc', 'INTRANET.corp'], loopback: false, intercept: [], value: 'localhost,127.0.0.1,::1,[::1],intranet.corp,.svc', dropped: [] },
    { case: '* would keep everything off the proxy: dropped', user: ['*'], loopback: false, intercept: [], value: 'localhost,127.0.0.1,::1,[::1]', dropped: ['*'] },
    { case: 'an entry covering an intercepted host: dropped', user: ['.example.test,other.test'], loopback: false, intercept: ['api.example.test'], value: 'localhost,127.0.0.1,::1,[::1],other.test', dropped: ['.example.test'] },
    { case: 'an entry inside a wildcard intercept: dropped', user: ['api.openai.com:443'], loopback: false, intercept: ['*.openai.com'], value: 'localhost,127.0.0.1,::1,[::1]', dropped: ['api.openai.com:443'] },
    { case: '--proxy-loopback: no loopback, the user’s loopback entries left out too', user: ['localhost,127.0.0.1,intranet.corp'], loopback: true, intercept: [], value: 'intranet.corp', dropped: [] },
    { case: '--proxy-loopback and nothing else: empty', user: [], loopback: true, intercept: [], value: '', dropped: [] },
  ])('$case', ({ user, loopback, intercept, value, dropped }) => {
    const result = noProxyFor({ user, proxyLoopback: loopback, interceptHosts: intercept })
    expect(result.value).toBe(value)
    expect(result.dropped.map((d) => d.entry)).toEqual(dropped)
  })
})

describe('NODE_OPTIONS', () => {
  it.each([
    { case: 'none before', before: undefined, after: '--import file:///x/preload.js' },
    { case: "appended to the user's", before: '--max-old-space-size=4096 --enable-source-maps', after: '--max-old-space-size=4096 --enable-source-maps --import file:///x/preload.js' },
    { case: 'not twice (run inside run)', before: '--import file:///x/preload.js', after: '--import file:///x/preload.js' },
  ])('$case', ({ before, after }) => {
    expect(withImport(before, 'file:///x/preload.js')).toBe(after)
  })

  it.each([
    { value: '/plain/path.js', quoted: '/plain/path.js' },
    { value: '/Users/Ada Lovelace/p.js', quoted: '"/Users/Ada Lovelace/p.js"' },
    { value: 'C:\\dev\\a "b"\\p.js', quoted: '"C:\\\\dev\\\\a \\"b\\"\\\\p.js"' },
  ])('quotes $value as Node reads NODE_OPTIONS', ({ value, quoted }) => {
    expect(quoteNodeOption(value)).toBe(quoted)
  })

  it('a preload path with spaces and a quote loads in a real Node process, after the user’s options', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devproxy run "quoted" '))
    try {
      await mkdir(join(dir, 'a b'))
      const preload = join(dir, 'a b', 'pre load.mjs')
      await writeFile(preload, 'globalThis.preloaded = true\n')
      const env = { ...process.env, NODE_OPTIONS: withImport('--title=devproxy-run-test', preload) }
      const result = spawnSync(process.execPath, ['-e', 'console.log(globalThis.preloaded === true, process.title)'], { env, encoding: 'utf8' })
      expect(result.stderr).toBe('')
      expect(result.stdout.trim()).toBe('true devproxy-run-test')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('the CA bundle', () => {
  const INTERCEPT = '-----BEGIN CERTIFICATE-----\nSU5URVJDRVBU\n-----END CERTIFICATE-----'

  it('holds each source under a comment naming it, each certificate once', () => {
    const text = composeBundle([
      { label: 'intercept', pem: INTERCEPT },
      { label: 'system', pem: `${ROOT_A}\n${ROOT_B}\n` },
      { label: 'node', pem: `${ROOT_B}\n${ROOT_A}` },
    ])
    expect(text.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(3)
    expect(text).toContain(`# intercept\n${INTERCEPT}`)
    expect(text).toContain('# system\n')
    // Everything in "node" was in "system": no empty section for it.
    expect(text).not.toContain('# node')
  })

  it("is the intercept CA, the files the user's CA variables named, the first system bundle file there is, and Node's roots", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devproxy-bundle-'))
    try {
      const mine = join(dir, 'corp-ca.pem')
      await writeFile(mine, ROOT_B)
      const system = join(dir, 'system.pem')
      await writeFile(system, ROOT_A)
      const sources = await bundleSources({ interceptCaPem: INTERCEPT, env: { SSL_CERT_FILE: mine, REQUESTS_CA_BUNDLE: mine }, systemFiles: [join(dir, 'absent.pem'), system, mine] })
      const labels = sources.map((source) => source.label)
      expect(labels[0]).toBe("devproxy's intercept CA")
      expect(labels[1]).toBe(`${mine} (named by your CA variables)`)
      expect(labels[2]).toBe(`the system bundle, ${system}`)
      expect(labels.at(-1)).toBe("Node's bundled roots (tls.rootCertificates)")
      expect(labels.filter((label) => label.startsWith('the system bundle'))).toHaveLength(1)
      // Node 22.15+ adds the system store as Node reads it; on Node 20 the count is exact.
      const count = composeBundle(sources).match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0
      if (sources.some((source) => source.label.startsWith('the system store'))) expect(count).toBeGreaterThan(tls.rootCertificates.length)
      else expect(count).toBe(tls.rootCertificates.length + 1)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('the environment', () => {
  const base = { PATH: '/bin', HTTP_PROXY: 'http://corp:3128', NO_PROXY: 'intranet.corp', NODE_OPTIONS: '--enable-source-maps', SSL_CERT_FILE: '/etc/mine.pem' }

  it('proxy variables in both cases, NO_PROXY twins, the four CA variables on the bundle, the preload in NODE_OPTIONS', () => {
    const { env, notes } = buildChildEnv({ env: base, proxyUrl: 'http://127.0.0.1:8080', caBundleFile: '/tmp/b/ca-bundle.pem', preload: 'file:///d/preload.js', proxyLoopback: false, interceptHosts: [] })
    expect(env).toEqual({
      PATH: '/bin',
      HTTP_PROXY: 'http://127.0.0.1:8080',
      HTTPS_PROXY: 'http://127.0.0.1:8080',
      http_proxy: 'http://127.0.0.1:8080',
      https_proxy: 'http://127.0.0.1:8080',
      NO_PROXY: 'localhost,127.0.0.1,::1,[::1],intranet.corp',
      no_proxy: 'localhost,127.0.0.1,::1,[::1],intranet.corp',
      NODE_EXTRA_CA_CERTS: '/tmp/b/ca-bundle.pem',
      SSL_CERT_FILE: '/tmp/b/ca-bundle.pem',
      REQUESTS_CA_BUNDLE: '/tmp/b/ca-bundle.pem',
      CURL_CA_BUNDLE: '/tmp/b/ca-bundle.pem',
      NODE_OPTIONS: '--enable-source-maps --import file:///d/preload.js',
    })
    expect(notes).toEqual([])
  })

  it('nothing intercepted: the CA variables stay as they were; a dropped NO_PROXY entry is said', () => {
    const { env, notes } = buildChildEnv({ env: { ...base, no_proxy: '*' }, proxyUrl: 'http://127.0.0.1:8080', caBundleFile: undefined, preload: 'file:///d/preload.js', proxyLoopback: true, interceptHosts: [] })
    expect(env.SSL_CERT_FILE).toBe('/etc/mine.pem')
    expect(env.NODE_EXTRA_CA_CERTS).toBeUndefined()
    expect(env.NO_PROXY).toBe('intranet.corp')
    expect(notes).toEqual(['NO_PROXY: left out *: it would keep every call off the proxy'])
  })
})

describe('the command line', () => {
  it.each([
    { argv: ['--', 'node', 'app.js', '--port', '3000'], flags: [], command: ['node', 'app.js', '--port', '3000'] },
    { argv: ['--intercept', 'api.example.test', '-q', '--', 'curl', '-v', 'x'], flags: ['--intercept', 'api.example.test', '-q'], command: ['curl', '-v', 'x'] },
    { argv: ['-p', '8080', 'node', 'app.js', '--port', '1'], flags: ['-p', '8080'], command: ['node', 'app.js', '--port', '1'] },
    { argv: ['--port=8080', 'npm', 'test'], flags: ['--port=8080'], command: ['npm', 'test'] },
    { argv: ['--intercept', 'a.test'], flags: ['--intercept', 'a.test'], command: [] },
    { argv: ['--'], flags: [], command: [] },
  ])('$argv', ({ argv, flags, command }) => {
    expect(splitRunArgv(argv)).toEqual({ flags, command })
  })

  it('--resolve HOST=ADDRESS:PORT', () => {
    expect(parseResolveFlags(['API.example.test=127.0.0.1:9443', 'v6.test=[::1]:8443'])).toEqual({ 'api.example.test': '127.0.0.1:9443', 'v6.test': '[::1]:8443' })
    for (const bad of ['api.example.test', 'api.example.test=127.0.0.1', 'a=b:99999', '=1.2.3.4:5']) {
      expect(() => parseResolveFlags([bad])).toThrow(/--resolve .*: expected HOST=ADDRESS:PORT/)
    }
  })
})

describe('a running devproxy', () => {
  it.each([
    { record: { interceptCaPath: '/data/intercept-ca.pem' }, mode: { forward: true, caPath: '/data/intercept-ca.pem' } },
    { record: { interceptCaPath: null }, mode: { forward: true, caPath: undefined } },
    { record: { outbound: { forward: true } }, mode: { forward: true, caPath: undefined } },
    { record: { url: 'http://127.0.0.1:8080' }, mode: { forward: false } },
  ])('forward mode of $record', ({ record, mode }) => {
    expect(forwardModeOf(record)).toEqual(mode)
  })

  it.each([
    { urls: ['https://127.0.0.1:8443', 'http://127.0.0.1:8080'], url: 'http://127.0.0.1:8080' },
    { urls: ['http://0.0.0.0:8080'], url: 'http://127.0.0.1:8080' },
    { urls: ['https://127.0.0.1:8443'], url: 'https://127.0.0.1:8443' },
  ])('clients use $url of $urls', ({ urls, url }) => {
    expect(clientProxyUrl(urls)).toBe(url)
  })
})

describe('exit codes as a shell says them', () => {
  it.each([
    { code: 0, signal: null, exit: 0 },
    { code: 3, signal: null, exit: 3 },
    { code: null, signal: 'SIGTERM' as const, exit: 143 },
    { code: null, signal: 'SIGINT' as const, exit: 130 },
    { code: null, signal: 'SIGKILL' as const, exit: 137 },
  ])('$code / $signal → $exit', ({ code, signal, exit }) => {
    expect(exitCodeOf(code, signal)).toBe(exit)
  })
})
