// A Node upstream, in its own process: `node bench/upstream.js`. The load rows forward to nginx
// (lib/nginx.js); this one serves the SSE row (events stamped with its clock) and
// `node bench/hooks.js` run alone.
//   GET /small                  a 26-byte JSON body
//   GET /download?bytes=N       N bytes streamed in 64 KiB chunks, with content-length
//   GET /events?everyMs=N       server-sent events, each stamped with this process's clock
//                               (performance.timeOrigin + performance.now(), epoch ms)
import http from 'node:http'

const SMALL = Buffer.from('{"ok":true,"msg":"hello"}\n')
const CHUNK = Buffer.alloc(64 * 1024, 'x')

function download(res, totalBytes) {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': totalBytes })
  let left = totalBytes
  const pump = () => {
    while (left > 0) {
      const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left)
      left -= chunk.length
      if (!res.write(chunk)) return void res.once('drain', pump)
    }
    res.end()
  }
  pump()
}

function events(res, everyMs) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
  res.flushHeaders()
  let id = 0
  const timer = setInterval(() => res.write(`id: ${id++}\ndata: ${performance.timeOrigin + performance.now()}\n\n`), everyMs)
  res.once('close', () => clearInterval(timer))
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://upstream')
  if (url.pathname === '/small') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': SMALL.length })
    res.end(SMALL)
  } else if (url.pathname === '/download') {
    download(res, Number(url.searchParams.get('bytes')))
  } else if (url.pathname === '/events') {
    events(res, Number(url.searchParams.get('everyMs') ?? 10))
  } else {
    res.writeHead(404).end()
  }
})
// Pooled proxy connections stay usable for a whole benchmark (nginx keeps them 75 s).
server.keepAliveTimeout = 65_000
server.listen(0, '127.0.0.1', () => console.log(`upstream listening on http://127.0.0.1:${server.address().port}`))
process.stdin.on('end', () => process.exit(0)).resume()
