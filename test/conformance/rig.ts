/**
 * One differential rig per case: a recording upstream reached directly, another one behind a
 * fresh devproxy, and the request-side verdict logic shared by the table-driven corpus.
 */
import { startTestProxy, type TestProxy } from '../helpers/servers.js'
import {
  compareForwarded,
  converse,
  originForm,
  short,
  show,
  startRecordingUpstream,
  type Conversation,
  type RecordingUpstream,
  type SeenRequest,
  type UpstreamHandler,
} from './kit.js'

export interface Sent {
  readonly conversation: Conversation
  readonly requests: SeenRequest[]
  readonly upstreamBytes: Buffer
}

export interface Rig {
  readonly direct: RecordingUpstream
  readonly behind: RecordingUpstream
  readonly proxy: TestProxy
  /** Writes `raw` on a fresh connection straight to the (direct) recording upstream. */
  sendDirect(raw: string | Buffer, methods: readonly string[], expectFinals?: number): Promise<Sent>
  /** Writes the same bytes to devproxy, whose only route leads to the other recording upstream. */
  sendViaProxy(raw: string | Buffer, methods: readonly string[], expectFinals?: number): Promise<Sent>
  close(): Promise<void>
}

export async function startRig(handler?: UpstreamHandler): Promise<Rig> {
  const direct = await startRecordingUpstream(handler)
  const behind = await startRecordingUpstream(handler)
  const proxy = await startTestProxy({ routes: [{ path: '/', target: behind.url }] })
  const send = async (port: number, upstream: RecordingUpstream, raw: string | Buffer, methods: readonly string[], expectFinals = 1): Promise<Sent> => {
    const conversation = await converse(port, raw, methods, expectFinals)
    return { conversation, requests: [...upstream.requests], upstreamBytes: upstream.raw() }
  }
  return {
    direct,
    behind,
    proxy,
    sendDirect: (raw, methods, n) => send(direct.port, direct, raw, methods, n),
    sendViaProxy: (raw, methods, n) => send(proxy.port, behind, raw, methods, n),
    async close() {
      await proxy.close(0)
      await Promise.all([direct.close(), behind.close()])
    },
  }
}

/** A client request and what RFC 9110/9112 allow a proxy to make of it. */
export interface RequestCase {
  /** Names the RFC section that decides it. */
  readonly title: string
  /** The bytes the client writes. */
  readonly raw: string
  /**
   * forward: the upstream must get the request, modulo the documented rewrites;
   * refuse: an error status in `refuse`, the upstream gets nothing;
   * forward-or-refuse: either of those, nothing in between;
   * refuse-body: the head is valid, the body is not — a streaming proxy may already have sent the
   *   head, but the upstream never gets a complete request and the client never a 2xx.
   */
  readonly verdict: 'forward' | 'refuse' | 'forward-or-refuse' | 'refuse-body'
  /**
   * What a conforming recipient makes of `raw`, in bytes the strict upstream parser accepts;
   * sent directly to get the expected request. Default: `raw`.
   */
  readonly canonical?: string
  /** Acceptable refusal statuses (default [400]). */
  readonly refuse?: readonly number[]
  /** The connection must be closed after a refusal (RFC 9112 §6.3: framing errors). Default: true for 400. */
  readonly closeOnRefuse?: boolean
  /** The connection must be closed after the response (RFC 9112 §6.1 for CL+TE, §9.6 for close). */
  readonly closeAfter?: boolean
  /** Fields judged by a pattern rather than equality. */
  readonly valueMatch?: Readonly<Record<string, RegExp>>
}

/** Runs a case through the rig and returns every departure from its verdict (empty: conformant). */
export async function judge(rig: Rig, c: RequestCase): Promise<{ problems: string[]; context: string }> {
  const method = c.raw.slice(0, c.raw.search(/[ \r\n]/))
  const methods = [method]
  const refuse = c.refuse ?? [400]
  const problems: string[] = []
  const lines: string[] = []

  let expected: SeenRequest | undefined
  if (c.verdict === 'forward' || c.verdict === 'forward-or-refuse') {
    const direct = await rig.sendDirect(c.canonical ?? c.raw, methods)
    const answer = direct.conversation.parsed.finals[0]
    // The oracle itself: the strict upstream must have parsed exactly one request and answered it.
    if (direct.requests.length !== 1 || answer?.status !== 200 || !direct.requests[0]!.complete) {
      throw new Error(`oracle bug in "${c.title}": sent directly, the upstream parsed ${direct.requests.length} request(s) and answered ${answer?.status}; client got ${show(direct.conversation.bytes)}`)
    }
    expected = direct.requests[0]!
  }

  const via = await rig.sendViaProxy(c.raw, methods)
  const { parsed, closed, bytes } = via.conversation
  const first = parsed.finals[0]
  lines.push(`client got: ${show(bytes, 600)}`, `upstream got: ${show(via.upstreamBytes, 600)}`)
  const refused = first !== undefined && refuse.includes(first.status)
  const mayRefuse = c.verdict !== 'forward'

  if (c.verdict === 'refuse-body') {
    if (parsed.finals.some((f) => f.status < 300)) problems.push(`client got a ${parsed.finals.map((f) => f.status).join(', ')} for a request whose body is malformed (expected no 2xx)`)
    const completed = via.requests.filter((r) => r.complete)
    if (completed.length > 0) problems.push(`upstream got ${completed.length} complete request(s): ${completed.map((r) => `${r.method} ${r.url} body ${short(r.body)}`).join('; ')}`)
    if (!closed) problems.push('the client connection stayed open after a malformed body (RFC 9112 §6.3: close it)')
    return { problems, context: lines.join('\n') }
  }

  if (refused && mayRefuse) {
    if (via.upstreamBytes.length > 0) problems.push(`refused with ${first.status}, yet the upstream received ${via.upstreamBytes.length} bytes`)
    if ((c.closeOnRefuse ?? first.status === 400) && !closed) problems.push(`refused with ${first.status} but the connection stayed open (RFC 9112 §6.3: respond 400, then close)`)
    return { problems, context: lines.join('\n') }
  }
  if (c.verdict === 'refuse') {
    problems.push(`expected a refusal (${refuse.join(' or ')}) and nothing upstream; client got ${first ? first.status : `no response${parsed.error ? ` (${parsed.error})` : ''}`}, upstream parsed ${via.requests.length} request(s)${via.requests.length ? `: ${via.requests.map((r) => `${r.method} ${r.url}`).join('; ')}` : ''}`)
    return { problems, context: lines.join('\n') }
  }

  // Forwarded: exactly the request the client framed, answered by the upstream.
  const want = expected!
  if (first === undefined) problems.push(`client got no response${parsed.error ? ` (${parsed.error})` : ''}${closed ? ', connection closed' : ''}`)
  else if (first.status !== 200) problems.push(`client got ${first.status} ${short(first.body, 200)}${mayRefuse ? ` (allowed: 200 or ${refuse.join('/')})` : ''}`)
  else if (method !== 'HEAD' && first.body.toString('latin1') !== `answer for ${originForm(want.url)}`) problems.push(`client got the answer ${short(first.body)} instead of "answer for ${originForm(want.url)}"`)
  if (parsed.finals.length > 1) problems.push(`client got ${parsed.finals.length} responses to one request: ${parsed.finals.map((f) => `${f.status} ${short(f.body, 40)}`).join('; ')}`)
  if (via.requests.length !== 1) {
    problems.push(`upstream parsed ${via.requests.length} request(s), directly 1: ${via.requests.map((r) => `${r.method} ${r.url}${r.complete ? '' : ' (incomplete)'}`).join('; ') || 'none'}`)
  }
  if (via.requests[0]) problems.push(...compareForwarded(want, via.requests[0], { valueMatch: c.valueMatch }))
  if (c.closeAfter && !closed) problems.push('the client connection stayed open after the response (it must be closed)')
  return { problems, context: lines.join('\n') }
}
