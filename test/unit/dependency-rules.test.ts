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

    // Exactly these: the fixture's allowed imports (src/proxy/listen → src/tls, src/commands →
    // src/start-proxy.ts) must not fire. A folder cycle is reported once per folder on it.
    expect(violations.map(describeViolation).sort()).toEqual([
      'composition-roots-on-top: src/mocks/mock-set.ts → src/start-proxy.ts',
      'config-imports-no-feature: src/config/resolve.ts → src/mocks/mock-set.ts',
      'control-and-inspector-apart: src/control/server.ts → src/inspector/pages.ts',
      'control-and-inspector-apart: src/inspector/session.ts → src/control/access.ts',
      'diff-stays-pure: src/diff/text-diff.ts → src/log/palette.ts',
      'errors-import-nothing: src/errors.ts → util',
      'inspector-imports-no-cli: src/inspector/summary.ts → src/cli/format-control.ts',
      // No two files import each other here: the cycles are of folders (control ↔ inspector
      // through different files; log ↔ record; two parts of src/proxy).
      'no-circular-folders: src/control → src/inspector',
      'no-circular-folders: src/inspector → src/control',
      'no-circular-folders: src/log → src/record',
      'no-circular-folders: src/proxy/http → src/proxy/route',
      'no-circular-folders: src/proxy/route → src/proxy/http',
      'no-circular-folders: src/record → src/log',
      'no-circular: src/config/load.ts → src/config/validate.ts',
      'proxy-entered-through-index: src/hooks/call.ts → src/proxy/exchange/stand-in.ts',
      'proxy-imports-no-feature: src/proxy/engine.ts → src/faults/registry.ts',
      // A folder no rule names is a feature to the engine too.
      'proxy-imports-no-feature: src/proxy/server.ts → src/demo/demo-upstream.ts',
      'proxy-parts-below-the-top: src/proxy/respond/respond.ts → src/proxy/engine.ts',
      'proxy-reaches-tls-through-listen: src/proxy/exchange/attempt.ts → src/tls/leaf-cache.ts',
    ])
  })
})
