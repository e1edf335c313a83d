// The baseline: http-proxy-3 with nothing around it but a keep-alive agent, as its README
// shows. `node bench/baseline-proxy.js http://127.0.0.1:PORT`
import http from 'node:http'
import { createProxyServer } from 'http-proxy-3'

const proxy = createProxyServer({ target: process.argv[2], agent: new http.Agent({ keepAlive: true }) })
proxy.on('error', (_error, _req, res) => {
  if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502).end()
  else res.destroy()
})
const server = http.createServer((req, res) => proxy.web(req, res))
server.listen(0, '127.0.0.1', () => console.log(`baseline listening on http://127.0.0.1:${server.address().port}`))
process.stdin.on('end', () => process.exit(0)).resume()
process.once('SIGTERM', () => process.exit(0))
