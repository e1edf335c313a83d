import { describe, expect, it } from 'vitest'
import { chooseProxy, describeProxies, narrowProxies, type ProxiesFound } from '../../src/control/client.js'
import type { FoundState, ProxyState } from '../../src/control/state-file.js'

const entry = (pid: number, port: number, command: string, configFile?: string): FoundState => {
  const state: ProxyState = {
    pid,
    url: `http://127.0.0.1:${port}`,
    controlUrl: 'http://127.0.0.1:40000',
    token: 'a'.repeat(43),
    startedAt: 0,
    command,
    ...(configFile === undefined ? {} : { configFile }),
  }
  return { file: `/p/.devproxy/proxies/${pid}-${port}.json`, state, alive: true }
}

const START = entry(100, 8080, 'start', '/p/proxy.config.ts')
const RECORD = entry(200, 8081, 'record', '/p/other.config.ts')
const found = (...live: FoundState[]): ProxiesFound => ({ dir: '/p', live, stale: [], unreadable: [] })

describe('which proxy fault and status talk to', () => {
  it('the only one, with nothing given', () => {
    expect(chooseProxy(found(START))).toBe(START)
  })

  it.each<[string, { port?: number; configFile?: string }, FoundState]>([
    ['--port', { port: 8081 }, RECORD],
    ['--config naming the file one was started from', { configFile: '/p/proxy.config.ts' }, START],
    ['--port over --config', { port: 8081, configFile: '/p/proxy.config.ts' }, RECORD],
  ])('of several, the one %s picks', (_what, options, chosen) => {
    expect(chooseProxy(found(START, RECORD), options)).toBe(chosen)
  })

  it('several with nothing to tell them apart: an error listing each (port, pid, command, config)', () => {
    const error = (() => {
      try {
        chooseProxy(found(START, RECORD), { configFile: '/p/third.config.ts' })
      } catch (e) {
        return e
      }
    })()
    expect(error).toMatchObject({ code: 'proxy_ambiguous' })
    expect((error as Error).message.split('\n')).toEqual([
      '2 devproxies run for this directory; choose one with --port:',
      'port 8080  pid 100  start   config /p/proxy.config.ts',
      'port 8081  pid 200  record  config /p/other.config.ts',
    ])
    expect(narrowProxies(found(START, RECORD))).toEqual([START, RECORD])
  })

  it('a --port none listens on: an error listing those that do', () => {
    expect(() => chooseProxy(found(START, RECORD), { port: 9999 })).toThrow(/^no devproxy on port 9999 runs for this directory; these do:\nport 8080/)
  })

  it('no live one: the stale entries are named as gone', () => {
    const dead = { ...START, alive: false }
    expect(() => chooseProxy({ dir: '/p', live: [], stale: [dead], unreadable: [] })).toThrow(
      `the devproxy recorded in ${dead.file} is gone (pid 100 is not running); its stale entry has been removed`,
    )
  })

  it('paths inside the current directory are shown relative to it', () => {
    expect(describeProxies([START.state, entry(300, 9000, 'replay').state], '/p')).toEqual([
      'port 8080  pid 100  start   config proxy.config.ts',
      'port 9000  pid 300  replay  no config file',
    ])
  })
})
