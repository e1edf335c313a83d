import { startControlServer as startControl, type ControlServer, type ControlServerOptions } from './control/server.js'
import type { HistoryOptions } from './inspector/history.js'
import { createInspector } from './inspector/inspector.js'

/**
 * The control server with the inspector on its port: the one place that knows both (neither
 * imports the other). The inspector gets the control server's metrics and port; the control
 * server gets the inspector's routes, its session check and its sign-in page.
 */

export type { ControlServer }

export interface StartControlOptions extends Omit<ControlServerOptions, 'guest'> {
  /** How much the inspector keeps. Default: the last 10,000 transactions, 64 MiB of bodies. */
  readonly inspectorHistory?: HistoryOptions | undefined
  /** Where the inspector's UI files are. Default: dist/inspector-ui/ of the package. */
  readonly inspectorUiDir?: string | undefined
}

export function startControlServer(options: StartControlOptions): Promise<ControlServer> {
  const { inspectorHistory, inspectorUiDir, ...control } = options
  return startControl({
    ...control,
    guest: ({ metrics, port }) =>
      createInspector({
        engine: options.engine,
        faults: options.faults,
        metrics,
        proxyUrl: options.proxyUrl,
        proxyUrls: options.proxyUrls ?? [options.proxyUrl],
        port,
        history: inspectorHistory,
        uiDir: inspectorUiDir,
      }),
  })
}
