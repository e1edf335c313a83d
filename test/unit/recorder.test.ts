import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CapturedBody } from '../../src/proxy/transaction/body-capture.js'
import { createTransaction, type Transaction } from '../../src/proxy/transaction/transaction.js'
import { parseHar } from '../../src/record/har-read.js'
import { startRecorder } from '../../src/record/recorder.js'

function finished(n: number, responseBody?: CapturedBody): Transaction {
  const tx = createTransaction({ method: 'GET', url: `/item/${n}`, httpVersion: '1.1', headers: { host: 'localhost' }, socket: { remoteAddress: '127.0.0.1' } } as never, 'http', 'test')
  return Object.assign(tx, { status: 200, ending: 'completed', responseHeadersSent: { 'content-type': 'text/plain' }, responseBody })
}

const plain = (text: string): CapturedBody => ({ contentType: 'text/plain', contentEncoding: undefined, bytes: Buffer.from(text), totalBytes: text.length, truncated: false })
const gzipped = (text: string): CapturedBody => {
  const bytes = gzipSync(text)
  return { contentType: 'text/plain', contentEncoding: 'gzip', bytes, totalBytes: bytes.length, truncated: false }
}

describe('startRecorder: transactions to HAR entries, each written as it is delivered or finishes', () => {
  let dir: string
  beforeEach(async () => void (dir = await mkdtemp(join(tmpdir(), 'devproxy-recorder-'))))
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('writes every entry in finishing order, compressed bodies decoded in their place, past a full batch', async () => {
    const file = join(dir, 'r.har')
    const errors: unknown[] = []
    const recorder = await startRecorder({ file, creatorVersion: '0.0.0', redact: new Set(), maxBodyBytes: 1024, filter: () => true, onError: (e) => errors.push(e) })
    // 600 transactions (more than one full batch of 256), every 7th with a gzip body.
    for (let n = 0; n < 600; n++) recorder.sink(finished(n, n % 7 === 0 ? gzipped(`zipped ${n}`) : plain(`plain ${n}`)))
    expect(await recorder.close()).toBe(600)
    expect(errors).toEqual([])
    const har = JSON.parse(await readFile(file, 'utf8'))
    const entries = har.log.entries as Array<{ request: { url: string }; response: { content: { text: string } } }>
    expect(entries.map((e) => e.request.url)).toEqual(Array.from({ length: 600 }, (_, n) => `http://localhost/item/${n}`))
    expect(entries.map((e) => e.response.content.text)).toEqual(Array.from({ length: 600 }, (_, n) => (n % 7 === 0 ? `zipped ${n}` : `plain ${n}`)))
  })

  it('an entry is in the file when the sink returns: a process that exits right after loses nothing', async () => {
    // A real process that exits right after three transactions finish (dist/ is built before the tests).
    const file = join(dir, 'exit.har')
    const url = (path: string) => JSON.stringify(pathToFileURL(resolve(path)).href)
    const script = `const { startRecorder } = await import(${url('dist/record/recorder.js')})
const { createTransaction } = await import(${url('dist/proxy/transaction/transaction.js')})
const recorder = await startRecorder({ file: ${JSON.stringify(file)}, creatorVersion: '0.0.0', redact: new Set(), maxBodyBytes: 1024, filter: () => true, onError: (e) => console.error(e) })
for (const n of [1, 2, 3]) recorder.sink(Object.assign(createTransaction({ method: 'GET', url: '/exit/' + n, httpVersion: '1.1', headers: { host: 'localhost' }, socket: {} }, 'http'), { status: 200 }))
process.exit(0)`
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })
    expect(child.stderr).toBe('')
    const read = parseHar(await readFile(file, 'utf8'))
    expect(read?.complete).toBe(false)
    expect(read?.har.log.entries.map((e) => e.request.url)).toEqual(['http://localhost/exit/1', 'http://localhost/exit/2', 'http://localhost/exit/3'])
  })

  it('a response is written before delivery, as completed, and not again when its transaction finishes', async () => {
    const file = join(dir, 'delivered.har')
    const recorder = await startRecorder({ file, creatorVersion: '0.0.0', redact: new Set(), maxBodyBytes: 1024, filter: () => true, onError: (e) => { throw e } })
    // As the proxy calls it: the whole body has passed, the capture has not seen the stream's end yet.
    const tx = Object.assign(finished(1, { ...plain('hello'), truncated: true }), { ending: undefined, durationMs: 4 })
    recorder.sink.beforeDelivery!(tx)
    // The engine flushes at the end of the turn, before it lets the last bytes go.
    recorder.sink.flushDelivered!()
    expect(parseHar(await readFile(file, 'utf8'))?.har.log.entries).toMatchObject([{ response: { content: { text: 'hello' } }, _devproxy: { ending: 'completed', truncated: { response: false } } }])
    recorder.sink(Object.assign(tx, { ending: 'completed' }))
    expect(await recorder.close()).toBe(1)
  })

  it.each([
    ['gzip', gzipSync],
    ['br', brotliCompressSync],
    ['deflate', deflateSync],
    ['deflate', deflateRawSync],
  ] as const)('a %s body that decodes past --max-body keeps its beginning and its real size', async (encoding, compress) => {
    const file = join(dir, `${encoding}.har`)
    const recorder = await startRecorder({ file, creatorVersion: '0.0.0', redact: new Set(), maxBodyBytes: 1000, filter: () => true, onError: (e) => { throw e } })
    const bytes = compress(Buffer.from('z'.repeat(50_000)))
    recorder.sink(finished(1, { contentType: 'text/plain', contentEncoding: encoding, bytes, totalBytes: bytes.length, truncated: false }))
    recorder.sink(finished(2, plain('after it')))
    expect(await recorder.close()).toBe(2)
    const [cut, after] = JSON.parse(await readFile(file, 'utf8')).log.entries
    expect(cut.response.content).toMatchObject({ size: 50_000, text: 'z'.repeat(1000) })
    expect(cut._devproxy.truncated.response).toBe(true)
    expect(after.response.content.text).toBe('after it')
  })
})
