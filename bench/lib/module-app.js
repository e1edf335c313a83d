// A Vite-style app as the Vite dev server serves it: unbundled, one small ES module per file,
// every response `Cache-Control: no-cache` with an ETag (a revalidation per module, per load),
// over HTTP/1.1. `node bench/lib/module-app.js [modules=500]` serves it on 127.0.0.1, port 0.
//
// The modules form a tree, four imports per module: /src/main.js imports m1…m4, m1 imports
// m5…m8, and so on, six levels deep for 500 modules, so the browser discovers the graph level by
// level as it parses, as it does a real app's components. Each module counts itself in
// `window.__modules`; main.js, evaluated last (after everything it imports), sets
// `window.__done = performance.now()`: ms from navigation start to the whole graph evaluated.
import { createHash } from 'node:crypto'
import http from 'node:http'
import { pathToFileURL } from 'node:url'

export const FAN_OUT = 4
/** About what Vite sends for a small component after its transforms. */
const FILLER = 'const styles = ' + JSON.stringify('.card { display: flex; gap: 8px; padding: 12px; border-radius: 6px } '.repeat(8)) + '\n'

/** The module at index `i` (0 is main.js). */
export function modulePath(i) {
  return i === 0 ? '/src/main.js' : `/src/components/m${i}.js`
}

function moduleSource(i, count) {
  const children = []
  for (let child = i * FAN_OUT + 1; child <= i * FAN_OUT + FAN_OUT && child < count; child++) children.push(child)
  const imports = children.map((child) => `import { value as v${child} } from '${modulePath(child)}'\n`).join('')
  const sum = ['1', ...children.map((child) => `v${child}`)].join(' + ')
  const lines = [
    imports,
    FILLER,
    `export function render${i}(root) {\n  root.dataset.m${i} = styles.length\n}\n`,
    `export const value = ${sum}\n`,
    'window.__modules = (window.__modules ?? 0) + 1\n',
  ]
  if (i === 0) lines.push(`if (value !== ${count}) throw new Error('the graph did not add up: ' + value)\nwindow.__done = performance.now()\n`)
  return lines.join('')
}

const INDEX = `<!doctype html>
<html lang="en">
<head><meta charset="UTF-8"><link rel="icon" href="data:,"><title>module app</title></head>
<body><div id="app"></div><script type="module" src="${modulePath(0)}"></script></body>
</html>
`

/** path → { type, body, etag } for an app of `count` modules. */
export function generateModuleApp(count) {
  const files = new Map([['/', { type: 'text/html', body: INDEX }]])
  for (let i = 0; i < count; i++) files.set(modulePath(i), { type: 'text/javascript', body: moduleSource(i, count) })
  for (const file of files.values()) file.etag = `W/"${createHash('sha1').update(file.body).digest('base64url').slice(0, 16)}"`
  return files
}

/** The dev server: answers from memory, 304 on a matching If-None-Match, as Vite's transform middleware does. */
export function createModuleAppServer(count) {
  const files = generateModuleApp(count)
  return http.createServer((req, res) => {
    const file = files.get(new URL(req.url, 'http://app').pathname)
    if (file === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
    if (req.headers['if-none-match'] === file.etag) return void res.writeHead(304, { etag: file.etag, 'cache-control': 'no-cache' }).end()
    res.writeHead(200, { 'content-type': file.type, 'content-length': Buffer.byteLength(file.body), etag: file.etag, 'cache-control': 'no-cache' })
    res.end(file.body)
  })
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const count = Number(process.argv[2] ?? 500)
  const server = createModuleAppServer(count)
  server.listen(0, '127.0.0.1', () => console.log(`module app (${count} modules) listening on http://127.0.0.1:${server.address().port}`))
  process.stdin.on('end', () => process.exit(0)).resume()
  process.once('SIGTERM', () => process.exit(0))
}
