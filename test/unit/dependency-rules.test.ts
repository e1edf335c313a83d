import { fileURLToPath } from 'node:url'
import { cruise, type ICruiseOptions, type IViolation } from 'dependency-cruiser'
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options'
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config'
import { beforeAll, describe, expect, it } from 'vitest'

// The same check as `npx depcruise src`, run through the API so a broken rule
// reads as a test failure that names the import.
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const FIXTURE = fileURLToPath(new URL('../fixtures/dependency-rules/', import.meta.url))

let options: ICruiseOptions

beforeAll(async () => {
  options = await extractDepcruiseOptions(`${ROOT}.dependency-cruiser.cjs`)
})

async function findViolations(baseDir: string): Promise<IViolation[]> {
  const tsConfig = extractTSConfig(`${ROOT}tsconfig.json`)
  const result = await cruise(['src'], { ...options, baseDir }, undefined, { tsConfig })
  if (typeof result.output === 'string') throw new Error('depcruise returned a report, not a result')
  return result.output.summary.violations
}

const describeViolation = (v: IViolation) => `${v.rule.name}: ${v.from} → ${v.to}`

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  it('src/ breaks none of them', async () => {
    expect((await findViolations(ROOT)).map(describeViolation)).toEqual([])
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
