import { findStates, proxyPorts } from '../control/state-file.js'
import { ListenError } from '../errors.js'

/**
 * A port in use that a devproxy of this directory holds (its `.devproxy/proxies/` entry says
 * so): the error names it (command and pid) and says how to stop it. Any other error is
 * returned as it is.
 */
export async function sayWhoHoldsThePort(error: unknown, stateDir: string): Promise<unknown> {
  if (!(error instanceof ListenError) || error.code !== 'port_in_use' || error.port === undefined) return error
  const port = error.port
  const found = await findStates(stateDir).catch(() => undefined)
  const holder = found?.entries.find((entry) => entry.alive && proxyPorts(entry.state).includes(port))
  if (holder === undefined) return error
  const { pid, command } = holder.state
  const other = `${error.flag ?? '--port'} ${error.freePort ?? 0}${error.freePort === undefined ? ' (any free port)' : ''}`
  return new ListenError('port_in_use', `${error.message}: devproxy ${command} (pid ${pid}) of this directory listens there`, {
    suggestion: `Stop it (Ctrl-C in its terminal, or kill ${pid}), or pick another port: ${other}`,
    cause: error,
    port,
    ...(error.flag === undefined ? {} : { flag: error.flag }),
    freePort: error.freePort,
  })
}
