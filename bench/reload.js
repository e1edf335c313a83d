// Config reload: time from saving a changed proxy.config.ts to the new route answering,
// debounce included, as a user would see it (polling the new route every 2 ms).
import http from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { loadConfig, startLiveReload } from '../dist/features.js'
import { DEFAULT_DEBOUNCE_MS } from '../dist/config/watch.js'
import { startProxy } from '../dist/start-proxy.js'
import { summarize } from './lib/stats.js'

const POLL_MS = 2
const TIMEOUT_MS = 5_000

function configSource(target, routePath) {
  return `import { defineConfig } from 'devproxy'
export default defineConfig({ port: 0, routes: [{ name: 'r', path: '${routePath}', target: '${target}' }] })
`
}

function get(url, agent) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    }).on('error', reject)
  })
}

async function waitFor200(url, agent) {
  const deadline = performance.now() + TIMEOUT_MS
  while (performance.now() < deadline) {
    if ((await get(url, agent)) === 200) return
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  throw new Error(`${url} did not answer 200 within ${TIMEOUT_MS} ms`)
}

export async function benchReload({ iterations }) {
  const upstream = http.createServer((_req, res) => res.end('ok'))
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const target = `http://127.0.0.1:${upstream.address().port}`
  const dir = await mkdtemp(join(tmpdir(), 'devproxy-bench-reload-'))
  const file = join(dir, 'proxy.config.ts')
  await writeFile(file, configSource(target, '/r0'))
  const loaded = await loadConfig(file, dir)
  const proxy = await startProxy(loaded.config)
  const watcher = await startLiveReload({
    file,
    files: loaded.files,
    cwd: dir,
    current: () => proxy.engine.state.config,
    swap: (next) => proxy.engine.swap(next),
    report: (event) => {
      if (event.type === 'invalid') throw event.error
    },
  })
  const agent = new http.Agent({ keepAlive: true })
  const reloadMs = []
  const loadMs = []
  try {
    for (let i = 1; i <= iterations; i++) {
      const started = performance.now()
      await writeFile(file, configSource(target, `/r${i}`))
      await waitFor200(`${proxy.url}/r${i}`, agent)
      reloadMs.push(performance.now() - started)
      // The loader alone on the same file, for the breakdown (no debounce, no watcher).
      const loadStarted = performance.now()
      await loadConfig(file, dir)
      loadMs.push(performance.now() - loadStarted)
    }
  } finally {
    agent.destroy()
    await watcher.close()
    await proxy.close(100)
    upstream.close()
    await rm(dir, { recursive: true, force: true })
  }
  return {
    name: 'config reload: save → new route answers',
    debounceMs: DEFAULT_DEBOUNCE_MS,
    reload: summarize(reloadMs),
    load: summarize(loadMs),
  }
}
