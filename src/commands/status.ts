import { Command } from '@oclif/core'
import { runningProxyConfigFlag } from '../cli/proxy-config-flag.js'
import { dirname, resolve } from 'node:path'
import type { ProxyStatus } from '../control/protocol.js'
import { DevproxyError } from '../errors.js'

export default class Status extends Command {
  static override summary = 'Show the running proxy: routes, active faults, counters.'
  static override description = `Asks the devproxy running for this directory (found through .devproxy/state.json here or in a parent directory) where it listens, its routes, the faults in force and how many requests, errors and injected faults it has seen.

Exits 1 when no devproxy is running for this directory.`

  static override enableJsonFlag = true

  static override examples = [
    { description: 'The proxy started from this directory', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'The proxy started with --config dev/proxy.config.ts', command: '<%= config.bin %> <%= command.id %> --config dev/proxy.config.ts' },
    { description: 'As JSON', command: '<%= config.bin %> <%= command.id %> --json' },
  ]

  static override flags = {
    config: runningProxyConfigFlag(),
  }

  async run(): Promise<ProxyStatus> {
    const { flags } = await this.parse(Status)
    const [{ connectToProxy }, { formatStatus }, { displayPath }, { createLogger }] = await Promise.all([
      import('../control/client.js'),
      import('../cli/format-control.js'),
      import('../config/load-error.js'),
      import('../log/logger.js'),
    ])
    const { palette } = createLogger()
    const dir = flags.config === undefined ? process.cwd() : dirname(resolve(process.cwd(), flags.config))
    try {
      const status = await (await connectToProxy(dir)).getStatus()
      for (const line of formatStatus(status, palette, Date.now(), (file) => displayPath(file, process.cwd()))) this.log(line)
      return status
    } catch (error) {
      if (!(error instanceof DevproxyError)) throw error
      if (this.jsonEnabled()) this.error(error.message, { exit: 1, code: error.code, suggestions: error.suggestion ? [error.suggestion] : undefined })
      const { formatUserError } = await import('../cli/user-error.js')
      this.logToStderr(formatUserError(error, palette))
      this.exit(1)
    }
  }
}
