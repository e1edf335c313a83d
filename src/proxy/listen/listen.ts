import { createServer, type Server } from 'node:net'
import { ListenError } from '../../errors.js'

/** Binds `server`, or rejects with a ListenError that says what to do about it. */
export function listen(server: Server, port: number, host: string, flag = '--port'): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      listenError(error, port, host, flag).then(reject, reject)
    }
    const onListening = () => {
      server.off('error', onError)
      resolve()
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
}

async function listenError(error: NodeJS.ErrnoException, port: number, host: string, flag: string): Promise<ListenError> {
  const where = `${host}:${port}`
  switch (error.code) {
    case 'EADDRINUSE': {
      // A hint must not send the user to a port that is taken as well: the next free one, found just now.
      const freePort = await findFreePort(host, port)
      return new ListenError('port_in_use', `port ${port} on ${host} is already in use`, {
        suggestion: `Stop whatever is listening there, or pick another port: ${flag} ${freePort ?? 0}${freePort === undefined ? ' (any free port)' : ''}`,
        cause: error,
        port,
        flag,
        freePort,
      })
    }
    case 'EACCES':
      return new ListenError('listen_failed', `not allowed to listen on ${where}`, {
        suggestion: `Ports below 1024 need extra privileges; use ${flag} 8080 or another high port.`,
        cause: error,
        port,
        flag,
      })
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ListenError('listen_failed', `cannot listen on ${where}: ${host} is not an address of this machine`, {
        suggestion: 'Use --host 127.0.0.1 (the default) or another local address.',
        cause: error,
        port,
        flag,
      })
    default:
      return new ListenError('listen_failed', `cannot listen on ${where}: ${error.message}`, { cause: error, port, flag })
  }
}

/** How many ports after a taken one are tried for the hint. */
const PORTS_TRIED = 20

/** The first port after `taken` (wrapping to 8080 past 65535) that `host` lets us bind now; undefined if none of the next few. */
export async function findFreePort(host: string, taken: number): Promise<number | undefined> {
  for (let i = 1; i <= PORTS_TRIED; i++) {
    const port = taken + i <= 65_535 ? taken + i : 8080 + i
    if (await canBind(host, port)) return port
  }
  return undefined
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)))
  })
}
