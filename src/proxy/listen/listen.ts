import type { Server } from 'node:net'
import { ListenError } from '../../errors.js'

/** Binds `server`, or rejects with a ListenError that says what to do about it. */
export function listen(server: Server, port: number, host: string, flag = '--port'): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      reject(listenError(error, port, host, flag))
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

function listenError(error: NodeJS.ErrnoException, port: number, host: string, flag: string): ListenError {
  const where = `${host}:${port}`
  switch (error.code) {
    case 'EADDRINUSE':
      return new ListenError('port_in_use', `port ${port} on ${host} is already in use`, {
        suggestion: `Stop whatever is listening there, or pick another port: ${flag} ${port === 65_535 ? 8081 : port + 1}`,
        cause: error,
      })
    case 'EACCES':
      return new ListenError('listen_failed', `not allowed to listen on ${where}`, {
        suggestion: `Ports below 1024 need extra privileges; use ${flag} 8080 or another high port.`,
        cause: error,
      })
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ListenError('listen_failed', `cannot listen on ${where}: ${host} is not an address of this machine`, {
        suggestion: 'Use --host 127.0.0.1 (the default) or another local address.',
        cause: error,
      })
    default:
      return new ListenError('listen_failed', `cannot listen on ${where}: ${error.message}`, { cause: error })
  }
}
