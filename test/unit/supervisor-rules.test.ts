import { describe, expect, it } from 'vitest'
import { afterEnd, parseMessage, parseSupervision, restartNotice, shouldSupervise, SUPERVISED_ENV, type ProxyEnd } from '../../src/cli/supervisor-rules.js'

/** `devproxy start`'s supervisor (issue 27 item 9): which command lines get one, and what it does when the proxy ends. */

describe('shouldSupervise', () => {
  it.each([
    { args: ['start'], expected: true },
    { args: ['record', '--out', 'x.har'], expected: true },
    { args: ['replay', 'x.har', '--port', '0'], expected: true },
    { args: ['start', '--config', 'dev/proxy.config.ts', '-v'], expected: true },
    // No config file: no route code, now or after a reload.
    { args: ['start', '--target', 'http://localhost:3000'], expected: false },
    { args: ['start', '--target=http://localhost:3000'], expected: false },
    { args: ['record', '-t', 'http://localhost:3000'], expected: false },
    { args: ['start', '--demo'], expected: false },
    { args: ['start', '--help'], expected: false },
    { args: ['start', '-h'], expected: false },
    { args: ['status'], expected: false },
    { args: ['fault', '--5xx', '30%'], expected: false },
    { args: [], expected: false },
    { args: ['--help'], expected: false },
  ])('devproxy $args: $expected', ({ args, expected }) => {
    expect(shouldSupervise(args, [], {})).toBe(expected)
  })

  it('not in the process it supervises', () => {
    expect(shouldSupervise(['start'], [], { [SUPERVISED_ENV]: '{}' })).toBe(false)
  })

  it('not under a debugger: a hook paused at a breakpoint is not stuck, and one inspector port cannot serve two processes', () => {
    expect(shouldSupervise(['start'], ['--inspect'], {})).toBe(false)
    expect(shouldSupervise(['start'], ['--inspect-brk=9230'], {})).toBe(false)
    expect(shouldSupervise(['start'], [], { NODE_OPTIONS: '--max-old-space-size=512 --inspect' })).toBe(false)
    expect(shouldSupervise(['start'], ['--max-semi-space-size=32'], { NODE_OPTIONS: '--max-old-space-size=512' })).toBe(true)
  })
})

describe('afterEnd: when the proxy process ends', () => {
  const end = (overrides: Partial<ProxyEnd>): ProxyEnd => ({ code: null, signal: null, stuck: false, listened: true, stopping: undefined, ...overrides })
  it.each([
    { case: 'the watchdog ended a serving proxy', end: end({ signal: 'SIGKILL', stuck: true }), expected: { kind: 'restart' } },
    { case: 'the watchdog ended it while it was asked to stop (SIGINT)', end: end({ signal: 'SIGKILL', stuck: true, stopping: 'SIGINT' }), expected: { kind: 'exit', code: 130 } },
    { case: 'the watchdog ended it while it was asked to stop (SIGTERM)', end: end({ signal: 'SIGKILL', stuck: true, stopping: 'SIGTERM' }), expected: { kind: 'exit', code: 143 } },
    { case: 'the watchdog ended it before it served', end: end({ signal: 'SIGKILL', stuck: true, listened: false }), expected: { kind: 'exit', code: 137 } },
    { case: 'it stopped cleanly', end: end({ code: 0, stopping: 'SIGINT' }), expected: { kind: 'exit', code: 0 } },
    { case: 'a second Ctrl-C forced it', end: end({ code: 130, stopping: 'SIGINT' }), expected: { kind: 'exit', code: 130 } },
    { case: 'a bad config at start-up', end: end({ code: 2, listened: false }), expected: { kind: 'exit', code: 2 } },
    { case: 'killed from outside (kill -9 of the proxy itself)', end: end({ signal: 'SIGKILL' }), expected: { kind: 'exit', code: 137 } },
    { case: 'killed by the supervisor after a second Ctrl-C it did not act on', end: end({ signal: 'SIGKILL', stopping: 'SIGINT' }), expected: { kind: 'exit', code: 130 } },
  ])('$case: $expected.kind', ({ end: ended, expected }) => {
    expect(afterEnd(ended)).toEqual(expected)
  })
})

describe('the channel', () => {
  it.each([
    { line: '{"type":"listening","port":8080}', expected: { type: 'listening', port: 8080, httpsPort: undefined } },
    { line: '{"type":"listening","port":8080,"httpsPort":8443}', expected: { type: 'listening', port: 8080, httpsPort: 8443 } },
    { line: '{"type":"state","file":"/p/.devproxy/proxies/1-8080.json"}', expected: { type: 'state', file: '/p/.devproxy/proxies/1-8080.json' } },
    { line: '{"type":"recording","file":"/p/x.har"}', expected: { type: 'recording', file: '/p/x.har' } },
    { line: '{"type":"stuck"}', expected: { type: 'stuck' } },
    { line: '{"type":"signal","signal":"SIGINT"}', expected: { type: 'signal', signal: 'SIGINT' } },
    { line: '{"type":"signal","signal":"SIGKILL"}', expected: undefined },
    { line: '{"type":"listening","port":"8080"}', expected: undefined },
    { line: '{"type":"future"}', expected: undefined },
    { line: 'not json', expected: undefined },
    { line: 'null', expected: undefined },
  ])('$line', ({ line, expected }) => {
    expect(parseMessage(line)).toEqual(expected)
  })

  it('the supervision in the environment', () => {
    expect(parseSupervision(JSON.stringify({ pid: 42, fd: 3, signalFd: 4, restart: { count: 1, port: 8080 } }))).toEqual({ pid: 42, fd: 3, signalFd: 4, restart: { count: 1, port: 8080 } })
    expect(parseSupervision(undefined)).toBeUndefined()
    expect(parseSupervision('{"pid":42}')).toBeUndefined()
    expect(parseSupervision('{')).toBeUndefined()
  })
})

describe('restartNotice', () => {
  it('says what went with the process and what comes back', () => {
    const [line] = restartNotice(2, undefined)
    expect(line).toMatch(/^devproxy: restarting the proxy \(restart 2\)\. Lost with the ended process: the requests in flight/)
    expect(line).toContain('faults added with devproxy fault')
    expect(line).toContain("the inspector's history")
  })

  it('under devproxy record: where the recording goes on', () => {
    expect(restartNotice(1, 'flow.har')[0]).toMatch(/The recording goes on in flow\.har\.$/)
  })
})
