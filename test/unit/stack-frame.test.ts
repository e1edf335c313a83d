import { describe, expect, it } from 'vitest'
import { frameLocation, userFrame } from '../../src/hooks/stack-frame.js'

/** The user's frame in a V8 stack: what a hook error and the watchdog's report name. */

const isUserFile = (file: string) => !file.includes('/node_modules/') && !file.startsWith('/pkg/')

describe('userFrame', () => {
  it('skips Node, devproxy and dependencies, and names the function', () => {
    const stack = [
      'Error: route code',
      '    at <anonymous>:1:45',
      '    at captureStack (/pkg/dist/hooks/route-code-watch.js:90:5)',
      '    at helper (/p/node_modules/lib/index.js:3:1)',
      '    at Object.onRequest (/p/proxy.config.ts:12:9)',
      '    at callHookNow (/pkg/dist/hooks/call.js:40:18)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ].join('\n')
    expect(userFrame(stack, isUserFile)).toEqual({ file: '/p/proxy.config.ts', line: 12, column: 9, functionName: 'onRequest' })
  })

  it.each([
    { line: '    at /p/proxy.config.ts:3:1', expected: { file: '/p/proxy.config.ts', line: 3, column: 1, functionName: undefined } },
    { line: '    at async respond (file:///p/proxy.config.mjs:21:11)', expected: { file: '/p/proxy.config.mjs', line: 21, column: 11, functionName: 'respond' } },
    { line: '    at new Thing (/p/helpers.ts:4:2)', expected: { file: '/p/helpers.ts', line: 4, column: 2, functionName: 'new Thing' } },
    { line: '    at Array.map (<anonymous>)', expected: undefined },
    { line: '    at node:internal/main:1:1', expected: undefined },
  ])('$line', ({ line, expected }) => {
    expect(userFrame(`Error\n${line}`, isUserFile)).toEqual(expected)
  })

  it('the first line (the message) is never a frame', () => {
    expect(userFrame('Error: at /p/proxy.config.ts:1:1', isUserFile)).toBeUndefined()
  })
})

describe('frameLocation', () => {
  it('is relative to the working directory when inside it', () => {
    expect(frameLocation({ file: '/p/dev/proxy.config.ts', line: 12, column: 9, functionName: undefined }, '/p')).toBe('dev/proxy.config.ts:12:9')
    expect(frameLocation({ file: '/elsewhere/proxy.config.ts', line: 1, column: 2, functionName: undefined }, '/p')).toBe('/elsewhere/proxy.config.ts:1:2')
  })
})
