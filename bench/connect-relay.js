// The least a Node process can do for a CONNECT tunnel: answer 200 and `pipe` both ways, no
// limits, no log. The outbound bench's reference for what a blind tunnel in Node costs
// (bench/outbound.js). Exits when stdin ends (the harness is gone).
import net from 'node:net'

const server = net.createServer((client) => {
  client.once('data', (head) => {
    const [, host, port] = /^CONNECT ([^\s:]+):(\d+) /.exec(head.toString('latin1')) ?? []
    if (host === undefined) return client.destroy()
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      client.pipe(upstream)
      upstream.pipe(client)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
})
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`))
process.stdin.resume()
process.stdin.on('end', () => process.exit(0))
