import { describe, expect, it } from 'vitest'
import { initialState, MARGIN_MS, stuckReport, watch, type RouteCodeLabel, type Sample, type WatchState } from '../../src/hooks/watchdog-rules.js'

/** The route-code watchdog's decisions (issue 27 item 9), by table: what it read, when, and what it does. */

const onRequest: RouteCodeLabel = { id: 1, route: 'api', hook: 'onRequest', timeoutMs: 1_000 }
const respond: RouteCodeLabel = { id: 2, route: 'slow', hook: 'mock[0].respond', timeoutMs: 3_000 }
const LABELS = new Map([onRequest, respond].map((label) => [label.id, label]))

/** Feeds the samples in order from the initial state; returns each verdict's kind and the last state. */
function run(samples: Array<Partial<Sample> & { nowMs: number }>, labels: ReadonlyMap<number, RouteCodeLabel> = LABELS) {
  let state: WatchState = initialState(0)
  const verdicts = samples.map((partial) => {
    const looked = watch(state, { call: 0, label: 0, beat: 0, ...partial }, labels)
    state = looked.state
    return looked.verdict
  })
  return { verdicts, state }
}

describe('watch: a synchronous call of route code', () => {
  it.each([
    { case: 'no call in progress, the loop beating', samples: [{ nowMs: 100, beat: 1 }, { nowMs: 5_000, beat: 20 }], expected: ['fine', 'fine'] },
    { case: 'calls that come and go, each short', samples: [{ nowMs: 100, call: 1, label: 1 }, { nowMs: 900, call: 2, label: 1 }, { nowMs: 1_700, call: 3, label: 1 }, { nowMs: 2_500, call: 4, label: 1 }], expected: ['fine', 'fine', 'fine', 'fine'] },
    { case: 'one call within its limit (hookTimeoutMs + margin)', samples: [{ nowMs: 100, call: 7, label: 1 }, { nowMs: 100 + 1_000 + MARGIN_MS, call: 7, label: 1 }], expected: ['fine', 'fine'] },
    { case: 'one call past its limit', samples: [{ nowMs: 100, call: 7, label: 1 }, { nowMs: 101 + 1_000 + MARGIN_MS, call: 7, label: 1 }], expected: ['fine', 'stuck'] },
    { case: "a route with a longer hookTimeoutMs gets its own", samples: [{ nowMs: 100, call: 7, label: 2 }, { nowMs: 2_000, call: 7, label: 2 }, { nowMs: 3_700, call: 7, label: 2 }], expected: ['fine', 'fine', 'stuck'] },
    { case: 'a call that ended, then another', samples: [{ nowMs: 100, call: 7, label: 1 }, { nowMs: 1_000, call: 0 }, { nowMs: 1_200, call: 8, label: 1 }, { nowMs: 2_000, call: 8, label: 1 }], expected: ['fine', 'fine', 'fine', 'fine'] },
  ])('$case', ({ samples, expected }) => {
    expect(run(samples).verdicts.map((verdict) => verdict.kind)).toEqual(expected)
  })

  it('times a call from when it was first seen, and names its label and limit', () => {
    const { verdicts } = run([{ nowMs: 400, call: 9, label: 1 }, { nowMs: 2_000, call: 9, label: 1 }])
    expect(verdicts[1]).toEqual({ kind: 'stuck', label: onRequest, ranMs: 1_600, limitMs: 1_000 + MARGIN_MS })
  })

  it('a label it has not heard of yet: the longest hookTimeoutMs it knows is the limit', () => {
    const { verdicts } = run([{ nowMs: 0, call: 3, label: 99 }, { nowMs: 3_000, call: 3, label: 99 }, { nowMs: 3_501, call: 3, label: 99 }])
    expect(verdicts.map((verdict) => verdict.kind)).toEqual(['fine', 'fine', 'stuck'])
  })

  it('no labels at all: the default hookTimeoutMs (5000)', () => {
    const { verdicts } = run([{ nowMs: 0, call: 3 }, { nowMs: 5_500, call: 3 }, { nowMs: 5_501, call: 3 }], new Map())
    expect(verdicts.map((verdict) => verdict.kind)).toEqual(['fine', 'fine', 'stuck'])
  })
})

describe('watch: the event loop stalled outside a marked call (async code after an await, a rewrite, devproxy itself)', () => {
  it('is looked at once the stall is longer than the longest hookTimeoutMs + margin, once per stall', () => {
    const { verdicts } = run([{ nowMs: 100, beat: 1 }, { nowMs: 3_600, beat: 1 }, { nowMs: 3_601, beat: 1 }, { nowMs: 3_700, beat: 1 }])
    expect(verdicts.map((verdict) => verdict.kind)).toEqual(['fine', 'fine', 'stalled', 'fine'])
    expect(verdicts[2]).toEqual({ kind: 'stalled', stalledMs: 3_501, limitMs: 3_000 + MARGIN_MS })
  })

  it('a new stall after the loop turned again is looked at again', () => {
    const { verdicts } = run([{ nowMs: 0, beat: 1 }, { nowMs: 3_600, beat: 1 }, { nowMs: 3_700, beat: 2 }, { nowMs: 7_300, beat: 2 }])
    expect(verdicts.map((verdict) => verdict.kind)).toEqual(['fine', 'stalled', 'fine', 'stalled'])
  })

  it('a beating loop is never stalled, however long', () => {
    const samples = Array.from({ length: 100 }, (_, i) => ({ nowMs: i * 250, beat: i }))
    expect(run(samples).verdicts.every((verdict) => verdict.kind === 'fine')).toBe(true)
  })

  it('a marked call in progress is judged as a call (its own, shorter limit), not as a stall', () => {
    const { verdicts } = run([{ nowMs: 0, beat: 1, call: 5, label: 1 }, { nowMs: 1_600, beat: 1, call: 5, label: 1 }])
    expect(verdicts[1]?.kind).toBe('stuck')
  })
})

describe('stuckReport: what stderr says before the process ends', () => {
  it('names the route, the hook, its limit, how long it ran and the line', () => {
    const lines = stuckReport({ kind: 'stuck', label: onRequest, ranMs: 1_537, limitMs: 1_500 }, { location: 'proxy.config.ts:12:9', functionName: 'onRequest' })
    expect(lines).toEqual([
      'error: route "api" onRequest has run for 1.5 s without returning, past hookTimeoutMs (1000 ms), at proxy.config.ts:12:9 (in onRequest); no other request can be served while it runs, and running JavaScript cannot be interrupted, so devproxy ends this process',
      'hint: fix the loop at proxy.config.ts:12:9 (devproxy reloads the config when it is saved); the request that ran it loses its connection',
    ])
  })

  it('without a line (the stack could not be had): the route and hook alone', () => {
    const [error, hint] = stuckReport({ kind: 'stuck', label: respond, ranMs: 3_600, limitMs: 3_500 }, undefined)
    expect(error).toMatch(/^error: route "slow" mock\[0\]\.respond has run for 3\.6 s without returning, past hookTimeoutMs \(3000 ms\); /)
    expect(hint).toMatch(/^hint: fix the loop \(devproxy reloads/)
  })

  it('a stall: where the stack shows route code', () => {
    const [error] = stuckReport({ kind: 'stalled', stalledMs: 3_501, limitMs: 3_500 }, { location: 'proxy.config.ts:9:5', functionName: undefined })
    expect(error).toMatch(/^error: the config's code at proxy\.config\.ts:9:5 has held the event loop for 3\.5 s, past the longest hookTimeoutMs \(3000 ms\); /)
  })
})
