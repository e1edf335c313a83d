import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AnswerError, isAnswerLike, prepareAnswer } from '../../src/hooks/answer.js'

const HERE = '/nowhere'

describe('prepareAnswer: what is sent', () => {
  it.each([
    {
      why: 'nothing given: 200, empty body',
      answer: {},
      status: 200,
      headers: { 'content-length': '0' },
      body: '',
    },
    {
      why: 'json: encoded, with its content-type',
      answer: { status: 201, json: { id: 1, name: 'é' } },
      status: 201,
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': '20' },
      body: '{"id":1,"name":"é"}',
    },
    {
      why: 'json null is a value',
      answer: { json: null },
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': '4' },
      body: 'null',
    },
    {
      why: 'json left undefined: no body',
      answer: { json: undefined },
      status: 200,
      headers: { 'content-length': '0' },
      body: '',
    },
    {
      why: 'the user content-type wins over json, names lower-cased',
      answer: { json: [1], headers: { 'Content-Type': 'application/problem+json', 'X-Trace': ['a', 'b'] } },
      status: 200,
      headers: { 'content-type': 'application/problem+json', 'x-trace': ['a', 'b'], 'content-length': '3' },
      body: '[1]',
    },
    {
      why: 'body string: utf-8 bytes, no content-type guessed',
      answer: { status: 503, body: 'héllo' },
      status: 503,
      headers: { 'content-length': '6' },
      body: 'héllo',
    },
    {
      why: 'body bytes as they are',
      answer: { body: new Uint8Array([104, 105]) },
      status: 200,
      headers: { 'content-length': '2' },
      body: 'hi',
    },
    {
      why: 'a user content-length or transfer-encoding is dropped: devproxy frames the body',
      answer: { body: 'abc', headers: { 'Content-Length': '99', 'transfer-encoding': 'chunked' } },
      status: 200,
      headers: { 'content-length': '3' },
      body: 'abc',
    },
    {
      why: '204 has no content-length (RFC 9110 §8.6)',
      answer: { status: 204, headers: { 'content-length': '0' } },
      status: 204,
      headers: {},
      body: '',
    },
    {
      why: '304 has no content-length either',
      answer: { status: 304, headers: { etag: '"v1"' } },
      status: 304,
      headers: { etag: '"v1"' },
      body: '',
    },
  ])('$why', async ({ answer, status, headers, body }) => {
    const prepared = await prepareAnswer(answer, 'onRequest', HERE)

    expect(prepared.status).toBe(status)
    expect(prepared.headers).toEqual(headers)
    expect(prepared.body.toString('utf8')).toBe(body)
    expect(prepared.delayMs).toBe(0)
  })

  it('takes delayMs', async () => {
    expect((await prepareAnswer({ delayMs: 250 }, 'mock[0]', HERE)).delayMs).toBe(250)
  })

  it('copies the body and header arrays, so a later change to the answer does not reach it', async () => {
    const bytes = new Uint8Array([1, 2])
    const trace = ['a']
    const prepared = await prepareAnswer({ body: bytes, headers: { 'x-trace': trace } }, 'mock[0]', HERE)
    bytes[0] = 9
    trace.push('b')

    expect([...prepared.body]).toEqual([1, 2])
    expect(prepared.headers['x-trace']).toEqual(['a'])
  })
})

const circular: Record<string, unknown> = {}
circular.self = circular

describe('prepareAnswer: a malformed answer is an AnswerError naming who gave it', () => {
  it.each([
    { answer: 'ok', message: 'onRequest answer: must be an answer object such as { status: 200, json: { ok: true } } (got "ok")' },
    { answer: [], message: 'onRequest answer: must be an answer object such as { status: 200, json: { ok: true } } (got [])' },
    { answer: { status: '200' }, message: 'onRequest answer: status must be an integer status from 200 to 599 (got "200")' },
    { answer: { status: 700 }, message: 'onRequest answer: status must be an integer status from 200 to 599 (got 700)' },
    { answer: { status: 200.5 }, message: 'onRequest answer: status must be an integer status from 200 to 599 (got 200.5)' },
    {
      answer: { status: 103 },
      message: 'onRequest answer: status must be a final status from 200 to 599 (got 103)',
      suggestion: expect.stringContaining('1xx responses are interim (RFC 9110 §15.2)'),
    },
    {
      answer: { headers: 'x-a: 1' },
      message: 'onRequest answer: headers must be an object of header names to values, such as { "cache-control": "no-store" } (got a string)',
    },
    { answer: { headers: { 'x-n': 1 } }, message: 'onRequest answer: headers["x-n"] must be a string or an array of strings (got a number)' },
    { answer: { headers: { 'x-n': ['a', 2] } }, message: 'onRequest answer: headers["x-n"][1] must be a string or an array of strings (got a number)' },
    {
      answer: { headers: { 'x-a': 'one\r\nx-b: two' } },
      message: expect.stringContaining('headers["x-a"] must be a single line: header values cannot contain line breaks (CR, LF) or NUL'),
    },
    {
      answer: { headers: { 'bad name': 'x' } },
      message: 'onRequest answer: headers["bad name"] is not a valid header name: use letters, digits and "-" (RFC 9110 token characters)',
    },
    {
      answer: { headers: { 'Content-Type': 'a', 'content-type': 'b' } },
      message: 'onRequest answer: headers["content-type"] names the same field as "Content-Type" (names are case-insensitive)',
      suggestion: 'keep one of them',
    },
    {
      answer: { json: {}, file: 'a.json' },
      message: 'onRequest answer: has json and file: an answer takes at most one of json, body and file',
      suggestion: 'keep json and remove the others',
    },
    { answer: { json: { n: 1n } }, message: 'onRequest answer: json must be a value JSON can represent: Do not know how to serialize a BigInt' },
    { answer: { json: circular }, message: 'onRequest answer: json must be a value JSON can represent: Converting circular structure to JSON' },
    { answer: { json: () => 1 }, message: 'onRequest answer: json must be a value JSON can represent (got a function)' },
    { answer: { body: 42 }, message: 'onRequest answer: body must be a string or bytes (a Uint8Array or Buffer) (got 42)' },
    { answer: { file: '' }, message: 'onRequest answer: file must be a file path relative to the config file, such as "fixtures/user.json" (got "")' },
    { answer: { delayMs: -1 }, message: 'onRequest answer: delayMs must be a non-negative integer (got -1)' },
    { answer: { delayMs: 1.5 }, message: 'onRequest answer: delayMs must be a non-negative integer (got 1.5)' },
    {
      answer: { status: 204, json: { ok: true } },
      message: 'onRequest answer: json cannot be sent with status 204, which has no content (RFC 9110 §6.4.1) (got {"ok":true})',
      suggestion: 'remove it, or use status 200',
    },
    {
      answer: { stauts: 404 },
      message: `onRequest answer: "stauts" is not a known option (an answer's fields are status, headers, json, body, file, delayMs)`,
      suggestion: 'did you mean "status"?',
    },
    {
      answer: { status: 99, delayMs: 'soon' },
      message: 'onRequest answer: status must be an integer status from 200 to 599 (got 99); delayMs must be a non-negative integer (got "soon")',
    },
  ])('$answer → $message', async ({ answer, message, suggestion }) => {
    const error = await prepareAnswer(answer, 'onRequest', HERE).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(AnswerError)
    expect(error).toMatchObject({ code: 'answer_invalid', where: 'onRequest', message })
    if (suggestion !== undefined) expect((error as AnswerError).suggestion).toEqual(suggestion)
  })
})

describe('isAnswerLike: only a plain object is meant as an answer', () => {
  it.each([
    { value: undefined, expected: false },
    { value: null, expected: false },
    { value: 'x-set', expected: false },
    { value: 0, expected: false },
    { value: [], expected: false },
    { value: new Map(), expected: false },
    { value: {}, expected: true },
    { value: { status: 500 }, expected: true },
    { value: Object.create(null) as object, expected: true },
  ])('$value → $expected', ({ value, expected }) => {
    expect(isAnswerLike(value)).toBe(expected)
  })
})

describe('prepareAnswer: file answers', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-answer-'))
    await mkdir(join(dir, 'fixtures'))
    await writeFile(join(dir, 'fixtures', 'user.json'), '{"id":7}')
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads the file relative to baseDir, with its content-type and length', async () => {
    const prepared = await prepareAnswer({ status: 202, file: 'fixtures/user.json' }, 'mock[0]', dir)

    expect(prepared).toMatchObject({ status: 202, headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': '8' } })
    expect(prepared.body.toString()).toBe('{"id":7}')
  })

  it.each([
    ['page.html', 'text/html; charset=utf-8'],
    ['notes.txt', 'text/plain; charset=utf-8'],
    ['app.js', 'text/javascript; charset=utf-8'],
    ['app.mjs', 'text/javascript; charset=utf-8'],
    ['site.css', 'text/css; charset=utf-8'],
    ['logo.svg', 'image/svg+xml'],
    ['logo.png', 'image/png'],
    ['photo.jpg', 'image/jpeg'],
    ['PHOTO.JPEG', 'image/jpeg'],
    ['anim.gif', 'image/gif'],
    ['pic.webp', 'image/webp'],
    ['feed.xml', 'application/xml'],
    ['rows.csv', 'text/csv; charset=utf-8'],
    ['archive.tar.gz', 'application/octet-stream'],
    ['Makefile', 'application/octet-stream'],
  ])('%s → %s', async (name, contentType) => {
    await writeFile(join(dir, name), 'x')

    expect((await prepareAnswer({ file: name }, 'mock[0]', dir)).headers['content-type']).toBe(contentType)
  })

  it('keeps a content-type the user set', async () => {
    const prepared = await prepareAnswer({ file: 'fixtures/user.json', headers: { 'Content-Type': 'text/plain' } }, 'mock[0]', dir)

    expect(prepared.headers['content-type']).toBe('text/plain')
  })

  it('a file that cannot be read names the resolved path and the OS error code', async () => {
    const error = await prepareAnswer({ file: 'fixtures/missing.json' }, 'mock[1]', dir).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(AnswerError)
    expect(error).toMatchObject({
      code: 'answer_file_unreadable',
      where: 'mock[1]',
      message: `mock[1] answer: cannot read file ${join(dir, 'fixtures', 'missing.json')} (ENOENT)`,
      suggestion: `file is relative to the config file's directory (${dir})`,
    })
  })

  it('a directory is not a file', async () => {
    const error = await prepareAnswer({ file: 'fixtures' }, 'mock[0]', dir).catch((e: unknown) => e)

    expect(error).toMatchObject({ code: 'answer_file_unreadable', message: `mock[0] answer: cannot read file ${join(dir, 'fixtures')} (EISDIR)` })
  })
})
