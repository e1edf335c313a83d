// The upstream of the load benchmarks: nginx (Debian's), one process, as ../shared/peers/
// paired.sh runs it. A Node upstream shares the two cores with the proxy under test and answers
// slower than a proxy can forward at 32 connections; nginx serves /small at ~150k req/s here.
//   GET /small          the 26-byte JSON body of bench/upstream.js (the mocked route answers it too)
//   GET /files/N.bin    N zero bytes (a sparse file made by `file(N)`), with content-length
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { spawnProcess, stopChild } from './children.js'
import { tool } from './tools.js'

function config(dir, port) {
  const temp = (kind) => `${kind}_temp_path ${join(dir, `tmp-${kind}`)};`
  return `# bench/lib/nginx.js: the benchmarks' upstream.
worker_processes 1;
# One process that serves (no master): its pid is the one to measure and to stop.
master_process off;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')} warn;
events { worker_connections 8192; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  # The proxies keep their upstream connections for the whole run.
  keepalive_requests 1000000;
  keepalive_timeout 600s;
  server {
    listen 127.0.0.1:${port};
    location = /small { default_type application/json; return 200 '{"ok":true,"msg":"hello"}\\n'; }
    location /files/ { alias ${join(dir, 'files')}/; }
  }
}
`
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().on('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function status(url) {
  return new Promise((resolve) => {
    http.get(url, { agent: false }, (res) => resolve(res.resume().statusCode)).on('error', () => resolve(undefined))
  })
}

/**
 * Starts nginx with its config, logs and files in `dir` and resolves once it answers /small.
 * Returns `{ url, pid, stop(), file(bytes) }`; `file(bytes)` makes the file and returns its path.
 */
export async function startNginx(dir) {
  const nginx = tool('nginx')
  // No master process, so no switch to another user: the files need no wider permissions.
  mkdirSync(join(dir, 'files'), { recursive: true })
  // The port is picked here and handed over: another process can take it in between, so retry.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    writeFileSync(join(dir, 'nginx.conf'), config(dir, port))
    const child = spawnProcess(nginx, ['-e', join(dir, 'nginx-error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')], { cwd: dir })
    const url = `http://127.0.0.1:${port}`
    const deadline = performance.now() + 10_000
    while (child.exitCode === null && performance.now() < deadline && (await status(`${url}/small`)) !== 200) await sleep(10)
    if (child.exitCode === null && performance.now() < deadline) {
      return {
        url,
        pid: child.pid,
        stop: () => stopChild(child),
        file(bytes) {
          const path = join(dir, 'files', `${bytes}.bin`)
          // Sparse: a 1 GiB download costs no disk, and reads as zeros from memory.
          if (!existsSync(path)) {
            const fd = openSync(path, 'w')
            ftruncateSync(fd, bytes)
            closeSync(fd)
          }
          return `/files/${bytes}.bin`
        },
      }
    }
    await stopChild(child)
    if (attempt === 3) throw new Error(`nginx did not start: ${child.stderrText().trim() || 'no answer on /small within 10 s'}`)
  }
}
