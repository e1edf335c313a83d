import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findResumePoint } from '../../src/record/har-resume.js'
import { openHarWriter } from '../../src/record/har-writer.js'

/** A recording begun by a process that was killed, gone on with by the next (devproxy record restarted after stuck route code). */

const HEADER = '{"log":{"version":"1.2","creator":{"name":"devproxy","version":"0.1.0"},"pages":[],"entries":[\n'
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devproxy-har-resume-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function fileWith(name: string, text: string): Promise<string> {
  const file = join(dir, name)
  await writeFile(file, text)
  return file
}

describe('findResumePoint', () => {
  it.each([
    { case: 'the header alone', text: HEADER, expected: { bytes: HEADER.length, entries: 0 } },
    { case: 'two whole entries', text: `${HEADER}{"a":1}\n,{"b":2}\n`, expected: { bytes: HEADER.length + 17, entries: 2 } },
    { case: 'a half-written third is cut', text: `${HEADER}{"a":1}\n,{"b":2}\n,{"c":`, expected: { bytes: HEADER.length + 17, entries: 2 } },
    { case: 'a finished file: the closing line goes', text: `${HEADER}{"a":1}\n]}}\n`, expected: { bytes: HEADER.length + 8, entries: 1 } },
    { case: 'a half-written header', text: HEADER.slice(0, 20), expected: undefined },
    { case: 'another HAR', text: '{"log":{"version":"1.2","creator":{"name":"Chrome"},"entries":[\n', expected: undefined },
    { case: 'not JSON at all', text: 'hello\n', expected: undefined },
  ])('$case', async ({ case: name, text, expected }) => {
    expect(await findResumePoint(await fileWith(`${name}.har`, text), 'devproxy')).toEqual(expected)
  })

  it('no file', async () => {
    expect(await findResumePoint(join(dir, 'missing.har'), 'devproxy')).toBeUndefined()
  })

  it('entries longer than a read (1 MiB) are counted whole', async () => {
    const big = `{"x":"${'y'.repeat(1_500_000)}"}`
    const text = `${HEADER}${big}\n,${big}\n,{"cut`
    expect(await findResumePoint(await fileWith('big.har', text), 'devproxy')).toEqual({ bytes: text.length - ',{"cut'.length, entries: 2 })
  })
})

describe('openHarWriter with resume', () => {
  it('keeps the whole entries, cuts the half one, and goes on: a valid HAR with all of them', async () => {
    const file = await fileWith('killed.har', `${HEADER}{"n":1}\n,{"n":2}\n,{"n":`)
    const writer = await openHarWriter(file, '0.1.0', { resume: true })
    expect(writer.count()).toBe(2)
    writer.append('{"n":3}')
    writer.close()
    expect(JSON.parse(await readFile(file, 'utf8')).log.entries).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }])
  })

  it('a file it cannot go on with is started afresh', async () => {
    const file = await fileWith('other.har', 'not a recording')
    const writer = await openHarWriter(file, '0.1.0', { resume: true })
    writer.append('{"n":1}')
    writer.close()
    expect(JSON.parse(await readFile(file, 'utf8')).log.entries).toEqual([{ n: 1 }])
  })
})
