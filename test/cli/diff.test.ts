import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoStack, runCli } from '../helpers/cli.js'

let clock = Date.UTC(2026, 10, 23, 10)

/** A minimal valid HAR 1.2 entry: GET `path`, answered with a JSON body; each has its own `date`. */
function entry(path: string, body: unknown, status = 200): object {
  const text = JSON.stringify(body)
  return {
    startedDateTime: '2026-11-23T10:00:00.000Z',
    time: 1,
    request: { method: 'GET', url: `http://localhost:8080${path}`, httpVersion: 'HTTP/1.1', cookies: [], headers: [], queryString: [], headersSize: -1, bodySize: 0 },
    response: {
      status,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: [
        { name: 'content-type', value: 'application/json' },
        { name: 'date', value: new Date((clock += 1000)).toUTCString() },
      ],
      content: { size: text.length, mimeType: 'application/json', text },
      redirectURL: '',
      headersSize: -1,
      bodySize: text.length,
    },
    cache: {},
    timings: { send: 0, wait: 1, receive: 0 },
  }
}

const header = { log: { version: '1.2', creator: { name: 'devproxy', version: '0.1.0' }, pages: [], entries: [] as object[] } }
const har = (...entries: object[]) => JSON.stringify({ log: { ...header.log, entries } })
/** What devproxy leaves when killed mid-recording: the header line and one entry per line, unclosed. */
const unfinished = (...entries: object[]) => `${JSON.stringify(header).slice(0, -'[]}}'.length)}[\n${entries.map((e, i) => `${i === 0 ? '' : ','}${JSON.stringify(e)}\n`).join('')}`

const users = entry('/api/users', [{ id: 1, name: 'Ann' }])

describe('devproxy diff (as a user runs it)', () => {
  let dir: string
  const run = (...args: string[]) => runCli(['diff', ...args], { cwd: dir })

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devproxy-diff-'))
    const files: Record<string, string> = {
      'a.har': har(users, entry('/api/health', { ok: true })),
      'same.har': har(entry('/api/users', [{ id: 1, name: 'Ann' }]), entry('/api/health', { ok: true })),
      'changed.har': har(entry('/api/users', [{ id: 1, name: 'Anna' }]), entry('/api/health', { ok: true })),
      'not-har.json': JSON.stringify({ name: 'devproxy', version: '0.1.0' }),
      'crashed.har': unfinished(users, entry('/api/health', { ok: true })),
      'crashed-mid-write.har': `${unfinished(users, entry('/api/health', { ok: false }))},{"startedDateTime":"2026-11-2`,
    }
    await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(dir, name), text)))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('equal recordings: exit 0, no differences', async () => {
    const result = await run('a.har', 'same.har')
    expect(result.stdout).toBe('no differences (2 endpoints)\n')
    expect(result.code).toBe(0)
  })

  it('a changed body: exit 1, the endpoint and the JSON path', async () => {
    const result = await run('a.har', 'changed.har')
    expect(result.stdout).toBe(['~ GET /api/users', '    ~ $[0].name: "Ann" → "Anna"', '2 endpoints: 0 added, 0 removed, 1 changed, 1 same', ''].join('\n'))
    expect(result.code).toBe(1)
  })

  it('--ignore with a JSON path, after the files or before them', async () => {
    expect((await run('a.har', 'changed.har', '--ignore', '$[*].name')).code).toBe(0)
    expect((await run('--ignore', '$..name', 'a.har', 'changed.har')).code).toBe(0)
  })

  it('a missing file: exit 2, a clear message, no stack trace', async () => {
    const result = await run('a.har', 'missing.har')
    expect(result.stderr).toContain('error: cannot read missing.har: no such file')
    expect(result.stdout).toBe('')
    expectNoStack(result.stderr)
    expect(result.code).toBe(2)
  })

  it('a JSON file that is not a HAR: exit 2 with a hint', async () => {
    const result = await run('not-har.json', 'a.har')
    expect(result.stderr).toContain('error: not-har.json is not a HAR file')
    expect(result.stderr).toContain('hint: Pass a .har written by `devproxy record`')
    expectNoStack(result.stderr)
    expect(result.code).toBe(2)
  })

  it('a malformed --ignore path: exit 2 with how to write one', async () => {
    const result = await run('a.har', 'changed.har', '--ignore', '$.items[')
    expect(result.stderr).toContain('error: invalid JSON path to ignore: "$.items["')
    expectNoStack(result.stderr)
    expect(result.code).toBe(2)
  })

  it('an --ignore that is neither a header name nor a JSON path: exit 2, with the path meant', async () => {
    const result = await run('a.har', 'changed.har', '--ignore', '[0].name')
    expect(result.stderr).toBe('error: --ignore "[0].name" is neither a header name nor a JSON path\nhint: did you mean $[0].name? (JSON paths start with $)\n')
    expect(result.stdout).toBe('')
    expect(result.code).toBe(2)
    const items = await run('a.har', 'changed.har', '--ignore', 'items[0]')
    expect(items.stderr).toContain('did you mean $.items[0]?')
    expect(items.code).toBe(2)
    // A header name is still a header name, however unusual.
    expect((await run('a.har', 'same.har', '--ignore', 'x-trace.id')).code).toBe(0)
  })

  it('an unfinished recording is read with a warning; the exit code follows the content', async () => {
    const equal = await run('crashed.har', 'a.har')
    expect(equal.stderr).toBe('crashed.har was not finalized (recorder stopped early): read 2 entries\n')
    expect(equal.stdout).toBe('no differences (2 endpoints)\n')
    expect(equal.code).toBe(0)

    const cut = await run('a.har', 'crashed-mid-write.har')
    expect(cut.stderr).toBe('crashed-mid-write.har was not finalized (recorder stopped early): read 2 entries, 1 cut off\n')
    expect(cut.stdout).toContain('    ~ $.ok: true → false')
    expect(cut.code).toBe(1)
  })

  it('--json prints the diff as JSON, exit code unchanged', async () => {
    const result = await run('a.har', 'changed.har', '--json')
    expect(result.code).toBe(1)
    const diff = JSON.parse(result.stdout) as { equal: boolean; endpoints: Array<{ key: string; change: string; body?: unknown }> }
    expect(diff.equal).toBe(false)
    expect(diff.endpoints.map((e) => [e.key, e.change])).toEqual([
      ['GET /api/health', 'same'],
      ['GET /api/users', 'changed'],
    ])
    expect(diff.endpoints[1]?.body).toEqual({ kind: 'json', changes: [{ op: '~', path: '$[0].name', before: 'Ann', after: 'Anna' }] })

    const same = await run('a.har', 'same.har', '--json')
    expect(same.code).toBe(0)
    expect(JSON.parse(same.stdout)).toMatchObject({ equal: true })
  })
})
