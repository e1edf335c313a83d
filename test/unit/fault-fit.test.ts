/**
 * A fault's fields must fit its kind: `statuses` of a 5xx fault are 500–599, of a status fault
 * 400–599 (an injected error answer, RFC 9110 §15.5–15.6), and a field that the kind never reads
 * is refused rather than accepted and ignored. One rule, met on every surface a fault comes in
 * by: a config object, the string form, `devproxy fault` flags, the x-devproxy-fault header.
 */
import { describe, expect, it } from 'vitest'
import { describeFault } from '../../src/faults/describe.js'
import { chooseAction } from '../../src/faults/decide.js'
import { FaultSpecError, parseFaultHeader, parseFaultString, specsFromFlags, type FaultFlags } from '../../src/faults/parse.js'
import { validateFaultSpec } from '../../src/faults/validate-spec.js'

/** Each issue as the CLI and the control API print it: `path message`. */
function problems(spec: unknown): string[] {
  return validateFaultSpec(spec, 'faults[0]').map((issue) => `${issue.path} ${issue.message}`)
}

function refusal(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(FaultSpecError)
    return (error as FaultSpecError).message
  }
  throw new Error('expected a FaultSpecError')
}

describe('a fault object (proxy.config.ts faults, the control API)', () => {
  it.each<[string, unknown, string[]]>([
    ['a 5xx fault with 5xx statuses', { kind: '5xx', statuses: [502, 503] }, []],
    ['a status fault with 4xx and 5xx statuses', { kind: 'status', statuses: [400, 429, 503, 599] }, []],
    ['a 5xx fault answering 200', { kind: '5xx', statuses: [200] }, ['faults[0].statuses[0] must be 500–599 for a 5xx fault (got 200)']],
    ['a 5xx fault answering 429', { kind: '5xx', statuses: [502, 429] }, ['faults[0].statuses[1] must be 500–599 for a 5xx fault (got 429)']],
    ['a status fault answering 200', { kind: 'status', statuses: [200] }, ['faults[0].statuses[0] must be 400–599 for a status fault (got 200)']],
    ['a status fault answering a redirect', { kind: 'status', statuses: [429, 302] }, ['faults[0].statuses[1] must be 400–599 for a status fault (got 302)']],
    ['a status fault answering 103', { kind: 'status', statuses: [103] }, ['faults[0].statuses[0] must be 400–599 for a status fault (got 103)']],
    ['a status written as a string', { kind: 'status', statuses: ['503'] }, ['faults[0].statuses[0] must be 400–599 for a status fault (got "503")']],
    ['a status that is not a whole number', { kind: 'status', statuses: [503.5] }, ['faults[0].statuses[0] must be 400–599 for a status fault (got 503.5)']],
    ['statuses on a reset fault', { kind: 'reset', statuses: [503] }, ['faults[0].statuses is for kind "status" or "5xx": a reset fault never reads it']],
    ['retryAfterS on a latency fault', { kind: 'latency', latencyMs: [10, 20], retryAfterS: 2 }, ['faults[0].retryAfterS is for kind "status" or "5xx": a latency fault never reads it']],
    ['latencyMs on a timeout fault', { kind: 'timeout', latencyMs: [10, 20] }, ['faults[0].latencyMs is for kind "latency": a timeout fault never reads it']],
    ['kbps on a 5xx fault', { kind: '5xx', kbps: 64 }, ['faults[0].kbps is for kind "throttle": a 5xx fault never reads it']],
  ])('%s', (_name, spec, expected) => {
    expect(problems(spec)).toEqual(expected)
  })

  it('the field on the wrong kind comes with the way to say what was meant', () => {
    const [issue] = validateFaultSpec({ kind: 'reset', statuses: [503] }, 'faults[0]')
    expect(issue?.suggestion).toBe('remove it, or use { kind: "status", statuses: [503] }')
  })
})

describe('devproxy fault --status, and the string form of config and start --fault', () => {
  it.each<[FaultFlags, string]>([
    [{ status: '200' }, '--status: 200 must be 400–599 for a status fault; write e.g. 429 or 500,503'],
    [{ status: '429,302' }, '--status: 302 must be 400–599 for a status fault; write e.g. 429 or 500,503'],
    [{ status: '101' }, '--status: 101 must be 400–599 for a status fault; write e.g. 429 or 500,503'],
  ])('%o is refused', (flags, message) => {
    expect(refusal(() => specsFromFlags(flags))).toBe(message)
  })

  it('the string form says the same', () => {
    expect(refusal(() => parseFaultString('status 204 --rate 50%'))).toBe('--status: 204 must be 400–599 for a status fault; write e.g. 429 or 500,503')
  })

  it('4xx and 5xx pass', () => {
    expect(specsFromFlags({ status: '400,599' })).toEqual([{ kind: 'status', statuses: [400, 599], rate: 1 }])
  })
})

describe('x-devproxy-fault: a status names a fault only when it is 4xx or 5xx', () => {
  it.each([
    ['429', { kind: 'status', statuses: [429] }],
    ['599', { kind: 'status', statuses: [599] }],
    ['200', undefined],
    ['302', undefined],
    ['101', undefined],
  ])('%s', (value, spec) => {
    expect(parseFaultHeader(value)).toEqual(spec)
  })
})

describe('a 5xx fault with statuses answers with them', () => {
  it.each([
    [0, 502],
    [0.99, 503],
  ])('draw %s → %s', (draw, status) => {
    expect(chooseAction({ kind: '5xx', statuses: [502, 503] }, () => draw)).toEqual({ kind: 'respond', status, retryAfterS: undefined })
  })

  it('and `devproxy fault --list` shows them', () => {
    expect(describeFault({ kind: '5xx', statuses: [502, 503], rate: 0.3 })).toBe('5xx 502,503 30%')
    expect(describeFault({ kind: '5xx', rate: 0.3 })).toBe('5xx 30%')
  })
})
