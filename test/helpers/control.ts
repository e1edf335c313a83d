import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startControlServer, type ControlServer } from '../../src/start-control.js'
import type { UserRoute } from '../../src/config/types.js'
import { echoHandler, startTestProxy, startUpstream, type TestProxy, type TestUpstream } from './servers.js'

/** A proxy in front of an echoing upstream, with its control server keeping state in a temp directory. */
export interface ControlledProxy {
  /** The control server's state directory. */
  readonly dir: string
  readonly upstream: TestUpstream
  readonly proxy: TestProxy
  readonly control: ControlServer
  /** The control server's port. */
  readonly port: number
  close(): Promise<void>
}

export async function startControlledProxy(name: string, routes: (upstreamUrl: string) => UserRoute[]): Promise<ControlledProxy> {
  const dir = await mkdtemp(join(tmpdir(), `devproxy-${name}-`))
  const upstream = await startUpstream(echoHandler)
  const proxy = await startTestProxy({ routes: routes(upstream.url) })
  const control = await startControlServer({ engine: proxy.engine, faults: proxy.faults, proxyUrl: proxy.url, stateDir: dir })
  return {
    dir,
    upstream,
    proxy,
    control,
    port: Number(new URL(control.url).port),
    async close() {
      await control.close()
      await proxy.close(0)
      await upstream.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
