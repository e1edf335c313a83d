import net, { type Socket } from 'node:net'
import tls from 'node:tls'

/**
 * A `CONNECT host:port` tunnel through a forward proxy (RFC 9110 §9.3.6): resolves with the
 * socket once the proxy answered 2xx, ready for the TLS handshake with the origin.
 */

/** A proxy answers CONNECT with a head; one larger than this is not an answer. */
const MAX_HEAD_BYTES = 16 * 1024

export function openTunnel(proxy: URL, host: string, port: number): Promise<Socket> {
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`
  const proxyHost = proxy.hostname.replace(/^\[|\]$/g, '')
  const proxyPort = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80))
  const socket: Socket =
    proxy.protocol === 'https:' ? tls.connect({ host: proxyHost, port: proxyPort, servername: net.isIP(proxyHost) ? undefined : proxyHost, ALPNProtocols: ['http/1.1'] }) : net.connect({ host: proxyHost, port: proxyPort })
  const auth = proxy.username === '' ? '' : `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`)
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0)
    const fail = (error: Error) => {
      cleanup()
      socket.destroy()
      reject(error)
    }
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk])
      const end = head.indexOf('\r\n\r\n')
      if (end === -1) {
        if (head.length > MAX_HEAD_BYTES) fail(tunnelError(`the proxy ${proxy.host} sent no answer to CONNECT ${authority}`))
        return
      }
      const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1')
      const status = Number(statusLine.split(' ')[1])
      if (!(status >= 200 && status < 300)) return fail(tunnelError(`the proxy ${proxy.host} refused CONNECT ${authority}: ${statusLine}`))
      cleanup()
      // Taking the data listener off leaves the socket flowing: paused, nothing is lost before the TLS handshake reads it.
      socket.pause()
      const rest = head.subarray(end + 4)
      if (rest.length > 0) socket.unshift(rest)
      resolve(socket)
    }
    const onError = (error: Error) => fail(error)
    const onClose = () => fail(tunnelError(`the proxy ${proxy.host} closed the connection before answering CONNECT ${authority}`))
    const cleanup = () => {
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('close', onClose)
    }
    socket.on('data', onData)
    socket.on('error', onError)
    socket.on('close', onClose)
  })
}

function tunnelError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ERR_PROXY_TUNNEL' })
}
