import { describe, expect, it } from 'vitest'
import { codeFrame, describeLoadError, displayPath, formatLocation } from '../../src/config/load-error.js'

const userFiles = (file: string) => file.startsWith('/home/me/app/')

describe('describeLoadError: what importing a config threw, as a compiler would say it', () => {
  it.each([
    {
      what: 'a jiti parse error (0-based column becomes 1-based)',
      error: new Error('ParseError: Unexpected token, expected ","  \n /home/me/app/proxy.config.ts:3:24'),
      expected: { message: 'syntax error: Unexpected token, expected ","', location: { file: '/home/me/app/proxy.config.ts', line: 3, column: 25 } },
    },
    {
      what: 'a SyntaxError with a location',
      error: Object.assign(new SyntaxError('SyntaxError: Missing semicolon.\n /home/me/app/x.mjs:1:5'), {}),
      expected: { message: 'syntax error: Missing semicolon.', location: { file: '/home/me/app/x.mjs', line: 1, column: 6 } },
    },
    {
      what: 'a missing import',
      error: Object.assign(new Error("Cannot find module './nope'\nRequire stack:\n- /home/me/app/proxy.config.ts"), { code: 'MODULE_NOT_FOUND' }),
      expected: { message: "Cannot find module './nope'", location: undefined },
    },
  ])('$what', ({ error, expected }) => {
    expect(describeLoadError(error, userFiles)).toMatchObject(expected)
  })

  it('a runtime error points at the first frame in the user\'s files (line only: the code was transformed)', () => {
    const error = new TypeError("Cannot read properties of undefined (reading 'foo')")
    error.stack = [
      "TypeError: Cannot read properties of undefined (reading 'foo')",
      '    at /home/me/app/targets.ts:4:13',
      '    at eval_evalModule (/usr/lib/node_modules/devproxy/node_modules/jiti/dist/jiti.cjs:1:184467)',
    ].join('\n')
    expect(describeLoadError(error, userFiles)).toEqual({
      message: "TypeError: Cannot read properties of undefined (reading 'foo')",
      location: { file: '/home/me/app/targets.ts', line: 4 },
      suggestion: undefined,
    })
  })

  it('a thrown non-Error is still described', () => {
    expect(describeLoadError('boom', userFiles).message).toBe('Error: boom')
  })
})

describe('locations and code frames', () => {
  it.each([
    { file: '/home/me/app/proxy.config.ts', cwd: '/home/me/app', expected: 'proxy.config.ts' },
    { file: '/home/me/app/dev/proxy.config.ts', cwd: '/home/me/app', expected: 'dev/proxy.config.ts' },
    { file: '/etc/proxy.config.ts', cwd: '/home/me/app', expected: '/etc/proxy.config.ts' },
  ])('displayPath($file) from $cwd', ({ file, cwd, expected }) => {
    expect(displayPath(file, cwd)).toBe(expected)
  })

  it('formatLocation adds line and column', () => {
    expect(formatLocation({ file: '/a/proxy.config.ts', line: 3, column: 25 }, '/a')).toBe('proxy.config.ts:3:25')
    expect(formatLocation({ file: '/a/proxy.config.ts', line: 3 }, '/a')).toBe('proxy.config.ts:3')
  })

  it('codeFrame shows the line before, the line, and a caret', () => {
    const source = 'export default {\n  port: 8080,\n  routes: [ { path: "/" target: 1 } ],\n}\n'
    expect(codeFrame(source, 3, 25)).toEqual([
      '  2 |   port: 8080,',
      '> 3 |   routes: [ { path: "/" target: 1 } ],',
      '    |                         ^',
    ])
  })

  it('codeFrame keeps tabs under the caret and handles line 1 and a missing column', () => {
    expect(codeFrame('\tfoo bar', 1, 6)).toEqual(['> 1 | \tfoo bar', '    | \t    ^'])
    expect(codeFrame('a\nb', 2)).toEqual(['  1 | a', '> 2 | b'])
  })
})
