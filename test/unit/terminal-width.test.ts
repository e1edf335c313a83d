import stringWidth from 'string-width'
import { describe, expect, it } from 'vitest'
import { formatFaultTable, formatMetricsTable, formatStatus } from '../../src/cli/format-control.js'
import { codeFrame } from '../../src/config/load-error.js'
import { resolveConfig } from '../../src/features.js'
import { describeProxies } from '../../src/control/client.js'
import type { ActiveFault } from '../../src/faults/types.js'
import { formatBanner } from '../../src/log/banner.js'
import { formatTransactionLine } from '../../src/log/format-line.js'
import { formatReload } from '../../src/log/format-reload.js'
import type { MetricsSnapshot } from '../../src/metrics/route-metrics.js'
import { plainPalette } from '../../src/terminal/palette.js'
import { ONE_COLUMN_EACH, textWidth } from '../../src/terminal/text-width.js'
import { fakeTransaction } from '../helpers/transaction.js'

/**
 * A terminal gives a CJK character or an emoji two columns, a combining accent none: what the
 * log and the tables measure is columns (string-width), not UTF-16 units (`.length`). A line
 * fitted to the width must take no more columns than the terminal has, or it wraps.
 */

/** A lone surrogate: half an emoji, cut through. */
const HALF_A_CHARACTER = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const WIDE_ROUTES = [
  { why: 'CJK', route: 'ユーザー管理サービス', target: 'http://ユーザー.localhost:3000' },
  { why: 'emoji', route: '⚡☕-👩‍💻-⌛⚡', target: 'http://localhost:3000' },
  { why: 'an accent written as a combining mark', route: 'cafe\u0301-menu', target: 'http://localhost:3000' },
]

describe('the log line fitted to the terminal, by columns', () => {
  it.each(WIDE_ROUTES)('a route named in $why, fitted to 60 columns, takes at most 60 and is not cut through a character', ({ route, target }) => {
    const tx = fakeTransaction({ route, target, url: '/api/users/12345/orders?page=2', forwardedUrl: '/users/12345/orders?page=2' })
    const line = formatTransactionLine(tx, plainPalette, 60)
    expect(stringWidth(line)).toBeLessThanOrEqual(60)
    expect(line).not.toMatch(HALF_A_CHARACTER)
    // The route name is what gives way last: it is still whole.
    expect(line).toContain(` ${route} `)
  })

  it.each(WIDE_ROUTES)('with room, the line with a route named in $why is left whole', ({ route, target }) => {
    const tx = fakeTransaction({ route, target })
    expect(formatTransactionLine(tx, plainPalette, 200)).toBe(formatTransactionLine(tx, plainPalette))
  })

  it.each([30, 25])('a tiny terminal (%s columns) gets a line cut to its width, between characters', (width) => {
    const tx = fakeTransaction({ route: '🚀ユーザー🚀', url: `/${'日本語🚀'.repeat(5)}` })
    const line = formatTransactionLine(tx, plainPalette, width)
    expect(stringWidth(line)).toBeLessThanOrEqual(width)
    expect(stringWidth(line)).toBeGreaterThanOrEqual(width - 1)
    expect(line.endsWith('…')).toBe(true)
    expect(line).not.toMatch(HALF_A_CHARACTER)
  })

  it('a path of wide characters is shortened in the middle by columns', () => {
    const tx = fakeTransaction({ url: `/api/${'日本'.repeat(30)}?page=2`, forwardedUrl: undefined })
    const line = formatTransactionLine(tx, plainPalette, 60)
    expect(stringWidth(line)).toBeLessThanOrEqual(60)
    expect(line).toMatch(/ \/api\/日本\S*…\S*\?page=2 api 200 /)
  })
})

/** Each row's column where `marker` starts, in terminal columns. */
const columnsOf = (rows: readonly string[], marker: string) => rows.map((row) => stringWidth(row.slice(0, row.indexOf(marker))))

describe('tables line up by columns', () => {
  it('the start-up banner: the → of every route in one column', () => {
    const config = resolveConfig({ routes: [{ path: '/ユーザー', target: 'http://localhost:3001' }, { path: '/api', target: 'http://localhost:3002' }, { path: '/🚀', target: 'http://localhost:3003' }] })
    const [, ...rows] = formatBanner(config, 'http://127.0.0.1:8080', plainPalette, 'proxy.config.ts')
    expect(new Set(columnsOf(rows, '→')).size).toBe(1)
  })

  it('devproxy status: routes, faults and per-route metrics', () => {
    const routes = [
      { name: 'ユーザー', path: '/ユーザー', targets: ['http://localhost:3001'] },
      { name: 'api', path: '/api', targets: ['http://localhost:3002'] },
    ]
    const fault = (id: string, route: string): ActiveFault => ({ id, kind: '5xx', rate: 0.3, route, createdAt: 0, expiresAt: undefined, source: 'api', matched: 1, injected: 0 })
    const faults = [fault('f1', 'ユーザー'), fault('f2', 'api')]
    const metrics: MetricsSnapshot = {
      since: '',
      routes: ['ユーザー', 'api'].map((route) => ({ route, requests: 1, statusClasses: { '2xx': 1 }, errors: {}, faults: {}, retries: 0, latencyMs: { p50: 1, p95: 2, p99: 3 } })) as unknown as MetricsSnapshot['routes'],
    }
    const status = formatStatus(
      { pid: 1, url: 'http://127.0.0.1:8080', startedAt: 0, routes, faults: [], counters: { requests: 0, errors: 0, faults: 0 } } as unknown as Parameters<typeof formatStatus>[0],
      plainPalette,
      0,
      (file) => file,
    )
    const routeRows = status.filter((line) => line.includes('→ http://'))
    expect(routeRows).toHaveLength(2)
    expect(new Set(columnsOf(routeRows, '→')).size).toBe(1)
    expect(new Set(columnsOf(formatFaultTable(faults, plainPalette, 0), 'matched')).size).toBe(1)
    const table = formatMetricsTable(metrics, plainPalette)
    expect(new Set(table.map((row) => stringWidth(row))).size).toBe(1)
  })

  it('several proxies of one directory: pid and command in one column each', () => {
    const state = (port: number, command: string) => ({ pid: port, url: `http://127.0.0.1:${port}`, controlUrl: 'http://127.0.0.1:1', token: 't', command, startedAt: 0 }) as unknown as Parameters<typeof describeProxies>[0][number]
    const rows = describeProxies([state(8080, 'devproxy record --out 録画.har'), state(8081, 'devproxy start')], '/')
    expect(new Set(columnsOf(rows, 'pid')).size).toBe(1)
    expect(new Set(columnsOf(rows, 'config')).size).toBe(1)
  })

  it('the code frame of a config error puts the caret under the column, past wide characters', () => {
    const source = 'const x = 1\nexport default { 名前: "ユーザー", routes: oops }\n'
    const column = source.split('\n')[1]!.indexOf('oops') + 1
    const [, line, caret] = codeFrame(source, 2, column)
    expect(stringWidth(caret!.slice(0, caret!.indexOf('^')))).toBe(stringWidth(line!.slice(0, line!.indexOf('oops'))))
  })

  it('a reloaded value shortened to 80 columns takes 80 at most and keeps whole characters', () => {
    const long = `"${'設定'.repeat(60)}"`
    const lines = formatReload({ type: 'reloaded', recovered: false, changes: [{ kind: 'setting', field: 'log.ignore', before: long, after: '"x"' }] } as unknown as Parameters<typeof formatReload>[0], 'proxy.config.ts', plainPalette)
    const shown = lines[1]!.slice(lines[1]!.indexOf(': ') + 2, lines[1]!.indexOf(' → '))
    expect(stringWidth(shown)).toBeLessThanOrEqual(80)
    expect(stringWidth(shown)).toBeGreaterThanOrEqual(79)
    expect(shown).not.toMatch(HALF_A_CHARACTER)
  })
})

describe('the shortcut for text of one-column characters', () => {
  it('every character it takes as one column is one column by string-width too', () => {
    const disagree: string[] = []
    for (let code = 0; code <= 0xffff; code++) {
      const character = String.fromCharCode(code)
      if (ONE_COLUMN_EACH.test(character) && stringWidth(character) !== 1) disagree.push(`U+${code.toString(16).toUpperCase()}`)
    }
    expect(disagree).toEqual([])
  })

  it.each(['12:00:00.000 GET /a → /b api → http://localhost:3000 200 3ms', 'soft\u00ADhyphen', 'e\u0301', 'ユーザー', '⚡'])('%s: the same width as string-width gives', (text) => {
    expect(textWidth(text)).toBe(stringWidth(text))
  })
})
