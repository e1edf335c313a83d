import { describe, expect, it } from 'vitest'
import { colorLevel, createLogger, createPalette } from '../../src/log/logger.js'
import type { Transaction } from '../../src/proxy/transaction/transaction.js'

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/

describe('colorLevel: NO_COLOR turns color off unless FORCE_COLOR is set (no-color.org)', () => {
  it.each([
    { env: {}, detected: 2, level: 2, why: 'the detected level' },
    { env: {}, detected: 0, level: 0, why: 'not a TTY' },
    { env: { NO_COLOR: '1' }, detected: 3, level: 0, why: 'NO_COLOR set' },
    { env: { NO_COLOR: 'true' }, detected: 1, level: 0, why: 'any non-empty NO_COLOR' },
    { env: { NO_COLOR: '' }, detected: 2, level: 2, why: 'an empty NO_COLOR is ignored' },
    { env: { NO_COLOR: '1', FORCE_COLOR: '1' }, detected: 1, level: 1, why: 'FORCE_COLOR wins over NO_COLOR' },
    { env: { NO_COLOR: '1', FORCE_COLOR: '3' }, detected: 3, level: 3, why: 'FORCE_COLOR wins over NO_COLOR' },
    { env: {}, detected: 7, level: 3, why: 'clamped to 3' },
    { env: {}, detected: -1, level: 0, why: 'clamped to 0' },
  ])('$env, detected $detected → $level ($why)', ({ env, detected, level }) => {
    expect(colorLevel(env, detected)).toBe(level)
  })
})

describe('createPalette', () => {
  const samples = (level: 0 | 1 | 2 | 3) => {
    const p = createPalette(level)
    return [
      p.dim('x'),
      p.bold('x'),
      p.method('GET', 'GET'),
      p.method('DELETE', 'DELETE'),
      p.method('BREW', 'BREW'),
      p.status(undefined, '---'),
      p.status(200, '200'),
      p.status(304, '304'),
      p.status(404, '404'),
      p.status(503, '503'),
      p.route('api → http://localhost:3000'),
      p.error('e'),
      p.warn('w'),
      p.ok('o'),
    ]
  }

  it('level 0 returns the text unchanged, with no ANSI escapes', () => {
    expect(samples(0)).toEqual(['x', 'x', 'GET', 'DELETE', 'BREW', '---', '200', '304', '404', '503', 'api → http://localhost:3000', 'e', 'w', 'o'])
  })

  it.each([1, 2, 3] as const)('level %i colors every part', (level) => {
    for (const text of samples(level)) expect(text).toMatch(ANSI)
  })

  it('status classes get different colors', () => {
    const p = createPalette(1)
    const colors = [p.status(200, 'x'), p.status(304, 'x'), p.status(404, 'x'), p.status(503, 'x')]
    expect(new Set(colors).size).toBe(4)
  })

  it('methods get different colors', () => {
    const p = createPalette(1)
    expect(p.method('GET', 'x')).not.toBe(p.method('DELETE', 'x'))
  })
})

describe('createLogger', () => {
  function capture() {
    const chunks: string[] = []
    return { chunks, stream: { write: (chunk: string) => (chunks.push(chunk), true) } as unknown as NodeJS.WritableStream }
  }

  const tx: Transaction = {
    id: '1', kind: 'http', startedAt: 0, startMs: 0, method: 'GET', url: '/x', httpVersion: '1.1', scheme: 'http', clientIp: '127.0.0.1',
    requestHeaders: {}, route: 'root', target: 'http://localhost:3000', forwardedUrl: '/x', forwardedHeaders: undefined,
    responseHeadersReceived: undefined, responseHeadersSent: undefined, status: 200, requestBytes: 0, responseBytes: 5,
    attempts: [], maxAttempts: 1, retryNote: undefined, faults: [], replay: undefined, requestBody: undefined, responseBody: undefined, error: undefined, ending: 'completed', durationMs: 3,
  }

  it.each([
    { options: { color: false }, colored: false, why: 'color: false' },
    { options: { color: true }, colored: true, why: 'color: true' },
    { options: { env: { NO_COLOR: '1' } }, colored: false, why: 'NO_COLOR in the env' },
  ])('$why → colored: $colored', ({ options, colored }) => {
    const out = capture()
    const err = capture()
    const logger = createLogger({ ...options, out: out.stream, err: err.stream })
    logger.transactions(tx)
    logger.warn('careful')
    expect(ANSI.test(out.chunks.join(''))).toBe(colored)
    expect(ANSI.test(err.chunks.join(''))).toBe(colored)
  })

  it('writes info and transactions to out, warnings and errors to err, one line each', () => {
    const out = capture()
    const err = capture()
    const logger = createLogger({ color: false, out: out.stream, err: err.stream })
    logger.info('listening')
    logger.transactions(tx)
    logger.warn('careful')
    logger.error('broken')
    expect(out.chunks).toEqual(['listening\n', expect.stringMatching(/GET +\/x root → http:\/\/localhost:3000 200 3ms 5 B\n$/)])
    expect(err.chunks).toEqual(['warning: careful\n', 'error: broken\n'])
  })
})
