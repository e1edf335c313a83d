// The HTTP/2 baseline: Node's http2 secure server (h2 and HTTP/1.1 by ALPN) in front of
// http-proxy-3, which accepts HTTP/2 requests, with a keep-alive agent and nothing else.
// `node bench/baseline-h2-proxy.js http://127.0.0.1:PORT` (certificate: test/fixtures/tls, ECDSA P-256 like devproxy's leaves).
import { readFileSync } from 'node:fs'
import http from 'node:http'
import http2 from 'node:http2'
import { createProxyServer } from 'http-proxy-3'

const tls = new URL('../test/fixtures/tls/', import.meta.url)
const proxy = createProxyServer({ target: process.argv[2], agent: new http.Agent({ keepAlive: true }) })
proxy.on('error', (_error, _req, res) => {
  if (!res.headersSent) res.writeHead(502).end()
  else res.destroy()
})
const server = http2.createSecureServer(
  { allowHTTP1: true, key: readFileSync(new URL('localhost-key.pem', tls)), cert: readFileSync(new URL('localhost.pem', tls)) },
  (req, res) => proxy.web(req, res),
)
server.listen(0, '127.0.0.1', () => console.log(`baseline listening on https://127.0.0.1:${server.address().port}`))
process.stdin.on('end', () => process.exit(0)).resume()
process.once('SIGTERM', () => process.exit(0))
