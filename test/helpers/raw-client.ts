import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http'
import net, { type AddressInfo, type Socket } from 'node:net'

/**
 * What a client saw: a response (complete or cut short) or a request that failed before any
 * response arrived. Never rejects, so tests can assert on aborted responses.
 */
export type Observed =
  | {
      readonly kind: 'response'
      readonly status: number
      readonly headers: IncomingHttpHeaders
      readonly body: Buffer
      /** The whole message arrived ('end' with `complete`). */
      readonly complete: boolean
      /** The response emitted 'aborted' or 'error' before its end. */
      readonly aborted: boolean
      readonly errorCode: string | undefined
    }
  | { readonly kind: 'error'; readonly code: string | undefined; readonly message: string }

export interface ObserveOptions {
  method?: string
  headers?: OutgoingHttpHeaders
  body?: string | Buffer
  path?: string
  /** Called once response headers arrive (before the body), e.g. to make an upstream fail now. */
  onResponse?: (res: IncomingMessage) => void
}

/** One request with node:http, settled on the response's end, abort or error. */
export function observe(url: string, options: ObserveOptions = {}): Promise<Observed> {
  return new Promise((resolve) => {
    const target = new URL(url)
    let settled = false
    const done = (value: Observed) => {
      if (settled) return
      settled = true
      resolve(value)
    }
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: options.path ?? target.pathname + target.search,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        let aborted = false
        let errorCode: string | undefined
        let ended = false
        const finish = () =>
          done({
            kind: 'response',
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            complete: ended && res.complete && !aborted,
            aborted,
            errorCode,
          })
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('aborted', () => (aborted = true))
        res.on('error', (error: NodeJS.ErrnoException) => {
          aborted = true
          errorCode = error.code
        })
        res.on('end', () => {
          ended = true
          finish()
        })
        res.on('close', finish)
        options.onResponse?.(res)
      },
    )
    req.on('error', (error: NodeJS.ErrnoException) => done({ kind: 'error', code: error.code, message: error.message }))
    req.end(options.body)
  })
}

/** Writes `data` on a fresh TCP connection and collects every byte until the server closes it. */
export function rawExchange(port: number, data: string | Buffer, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket: Socket = net.connect(port, host, () => socket.write(data))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks)))
  })
}

/** A port on 127.0.0.1 with nothing listening on it (bound, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
