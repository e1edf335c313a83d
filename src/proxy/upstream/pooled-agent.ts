import http, { type ClientRequest } from 'node:http'
import type { Socket } from 'node:net'

/**
 * A plain-HTTP keep-alive pool for one route target: Node's `http.Agent`, except that a request
 * finding an idle socket takes it without the work Node's `addRequest` does first on every
 * request — a null-prototype copy of all the request's options merged with the agent's, the
 * server name worked out, the pool's name string built again (the same for every request
 * here: one agent serves one host and port). Everything else is Node's: new connections,
 * the queue when `maxSockets` are busy, freeing, keep-alive timeouts, removal.
 *
 * Measured in turn (`node bench/ab.js 10 2 devproxy copy:… baseline`, wrk, 32 connections):
 * 1.17× the requests a second of the same build with Node's `addRequest`, 53.7 → 45.4 µs
 * proxy CPU a request (bench/RESULTS.md, issue 29).
 *
 * Not for HTTPS: there the pool's name holds the TLS server name, which Node takes from each
 * request's Host, so it may differ between requests of one agent.
 */
/** What `addRequest` touches of Node's Agent beyond its typed surface. */
interface AgentInternals {
  readonly options: http.AgentOptions
  readonly freeSockets: Record<string, Socket[] | undefined>
  readonly sockets: Record<string, Socket[] | undefined>
}

const nodeAddRequest = (http.Agent.prototype as unknown as { addRequest(req: ClientRequest, options: http.RequestOptions): void }).addRequest

export class PooledAgent extends http.Agent {
  /** The pool's name as Node's `getName` makes it, known after the first request. */
  private poolName: string | undefined

  /** Called by Node's ClientRequest (not in @types/node's Agent). */
  addRequest(req: ClientRequest, options: http.RequestOptions): void {
    const agent = this as unknown as AgentInternals
    const name = this.poolName
    const free = name === undefined ? undefined : agent.freeSockets[name]
    const socket = free?.at(-1)
    // Anything unusual (no idle socket, a dead one on top) goes Node's way.
    if (name === undefined || free === undefined || socket === undefined || socket.destroyed) {
      nodeAddRequest.call(this, req, options)
      this.poolName ??= this.getName({ ...options, ...agent.options })
      return
    }
    // The newest idle socket (`scheduling: 'lifo'`), as Node's reuse branch takes it.
    free.pop()
    if (free.length === 0) delete agent.freeSockets[name]
    this.reuseSocket(socket, req)
    ;(req as ClientRequest & { onSocket(socket: Socket): void }).onSocket(socket)
    // A request's own timeout replaces the agent's idle one while it runs (Node's setRequestSocket).
    const agentTimeout = agent.options.timeout ?? 0
    const timeout = (req as ClientRequest & { timeout?: number }).timeout
    if (timeout !== undefined && timeout !== agentTimeout) socket.setTimeout(timeout)
    ;(agent.sockets[name] ??= []).push(socket)
  }
}
