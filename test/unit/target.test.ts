import { describe, expect, it } from 'vitest'
import { parseTarget } from '../../src/config/target.js'
import { ConfigError } from '../../src/errors.js'

function rejection(value: unknown): ConfigError {
  try {
    parseTarget(value, 'routes[0].target')
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`)
}

describe('parseTarget: accepted upstream origins', () => {
  it.each([
    { value: 'http://localhost:3000', origin: 'http://localhost:3000' },
    { value: 'http://localhost:3000/', origin: 'http://localhost:3000' },
    { value: 'https://api.example.test', origin: 'https://api.example.test' },
    { value: 'HTTP://LOCALHOST:5173', origin: 'http://localhost:5173' },
    { value: '  http://127.0.0.1:4000  ', origin: 'http://127.0.0.1:4000' },
    { value: 'http://[::1]:3000', origin: 'http://[::1]:3000' },
  ])('$value → $origin', ({ value, origin }) => {
    expect(parseTarget(value, 'routes[0].target').origin).toBe(origin)
  })
})

describe('parseTarget: rejected values, with the dotted path and the fixed form', () => {
  it.each([
    { value: 'localhost:3000', message: /^routes\[0\]\.target must use http: or https:/, suggestion: 'http://localhost:3000' },
    { value: ':3000', message: /^routes\[0\]\.target is not a URL/, suggestion: 'http://localhost:3000' },
    { value: 'ftp://x', message: /^routes\[0\]\.target must use http: or https: \(got "ftp:\/\/x"\)/, suggestion: 'http://x' },
    { value: 'ws://localhost:3000', message: /^routes\[0\]\.target must use http: or https:/, suggestion: 'http://localhost:3000' },
  ])('$value → $message, suggests $suggestion', ({ value, message, suggestion }) => {
    const error = rejection(value)
    expect(error.message).toMatch(message)
    expect(error.suggestion).toContain(suggestion)
  })

  it.each([
    { value: 'http://user:secret@localhost:3000', message: /^routes\[0\]\.target must not carry credentials/ },
    { value: 'http://user@localhost:3000', message: /^routes\[0\]\.target must not carry credentials/ },
    { value: 'http://localhost:3000/?x=1', message: /^routes\[0\]\.target must not have a query or fragment/ },
    { value: 'http://localhost:3000/#top', message: /^routes\[0\]\.target must not have a query or fragment/ },
    { value: '', message: /^routes\[0\]\.target must be an http\(s\) URL such as http:\/\/localhost:3000/ },
    { value: '   ', message: /^routes\[0\]\.target must be an http\(s\) URL/ },
    { value: undefined, message: /^routes\[0\]\.target must be an http\(s\) URL/ },
    { value: 3000, message: /^routes\[0\]\.target must be an http\(s\) URL .*\(got 3000\)/ },
  ])('$value → $message', ({ value, message }) => {
    expect(rejection(value).message).toMatch(message)
  })

  it('the credentials message does not echo the secret', () => {
    expect(rejection('http://user:secret@localhost:3000').message).not.toContain('secret')
  })
})
