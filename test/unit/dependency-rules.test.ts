import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { cruise, type ICruiseOptions, type IViolation } from 'dependency-cruiser'
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options'
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config'
import { beforeAll, describe, expect, it } from 'vitest'

// The same check as `npx depcruise src --ignore-known`, run through the API so a broken rule
// reads as a test failure that names the import.
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const FIXTURE = fileURLToPath(new URL('../fixtures/dependency-rules/', import.meta.url))
const KNOWN_FILE = '.dependency-cruiser-known-violations.json'

let options: ICruiseOptions

beforeAll(async () => {
  options = await extractDepcruiseOptions(`${ROOT}.dependency-cruiser.cjs`)
})

async function findViolations(baseDir: string, knownViolations: ICruiseOptions['knownViolations'] = []): Promise<IViolation[]> {
  const tsConfig = extractTSConfig(`${ROOT}tsconfig.json`)
  const result = await cruise(['src'], { ...options, baseDir, knownViolations }, undefined, { tsConfig })
  if (typeof result.output === 'string') throw new Error('depcruise returned a report, not a result')
  return result.output.summary.violations
}

const describeViolation = (v: IViolation) => `${v.rule.name}: ${v.from} → ${v.to}`
const isKnown = (v: IViolation) => v.rule.severity === 'ignore'

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  it('src/ breaks none beyond the known violations', async () => {
    const known = JSON.parse(await readFile(`${ROOT}${KNOWN_FILE}`, 'utf8')) as IViolation[]
    const violations = await findViolations(ROOT, known)

    expect(violations.filter((v) => !isKnown(v)).map(describeViolation), 'new imports that break a rule').toEqual([])
    // A known violation the code no longer has would hide the next one like it: when the seam
    // refactor removes one, `npx depcruise-baseline src` shortens the list.
    expect(violations.filter(isKnown).map(describeViolation).sort(), `${KNOWN_FILE} lists imports src/ no longer has`).toEqual(
      known.map(describeViolation).sort(),
    )
  })

  it('knows only the proxy core importing feature folders, for the seam refactor to remove', async () => {
    const known = JSON.parse(await readFile(`${ROOT}${KNOWN_FILE}`, 'utf8')) as IViolation[]

    expect(known.length).toBeGreaterThan(0)
    for (const v of known) {
      expect(describeViolation(v)).toMatch(/^proxy-imports-no-feature: src\/proxy\/[^ ]+ → src\/(faults|record)\//)
    }
  })

  it('catches each kind of bad import in a fixture src/', async () => {
    const violations = await findViolations(FIXTURE)

    expect(violations.map(describeViolation).sort()).toEqual([
      'diff-stays-pure: src/diff/text-diff.ts → src/log/palette.ts',
      'errors-import-nothing: src/errors.ts → util',
      'no-circular: src/config/load.ts → src/config/validate.ts',
      'proxy-imports-no-feature: src/proxy/engine.ts → src/faults/registry.ts',
    ])
  })
})
