import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { removeState, writeState, type ProxyState } from '../../src/control/state-file.js'

/**
 * What `devproxy run` finds of a devproxy running for a directory, without one: the state entry
 * in `<dir>/.devproxy/proxies/` and a control server answering `GET /v1/status` with the
 * contract's `interceptCaPath` (wt/OUTBOUND-CONTRACT.md), pointing at any proxy URL (the fixture
 * forward proxy). Until devproxy's forward mode is merged, this stands in for `devproxy start
 * --intercept HOST`.
 */

export interface FakeRunningDevproxy {
  close(): Promise<void>
}

export async function fakeRunningDevproxy(dir: string, proxyUrl: string, extra: Record<string, unknown>): Promise<FakeRunningDevproxy> {
  const token = randomBytes(24).toString('base64url')
  const control = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end()
    if (req.url !== '/v1/status') return void res.writeHead(404, { 'content-type': 'application/json' }).end('{}')
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...state, routes: [], faults: [], counters: {}, ...extra }))
  })
  await new Promise<void>((done) => control.listen(0, '127.0.0.1', done))
  const state: ProxyState = {
    pid: process.pid,
    url: proxyUrl,
    controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}/`,
    token,
    startedAt: Date.now(),
    command: 'start',
  }
  await writeState(dir, state)
  return {
    close: async () => {
      await removeState(dir, state)
      control.closeAllConnections()
      await new Promise<void>((done) => control.close(() => done()))
    },
  }
}
