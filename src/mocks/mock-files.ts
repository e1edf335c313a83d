import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ConfigIssue } from '../config/checks.js'
import type { ResolvedRoute } from '../config/types.js'

/**
 * The `file` of each mock answer (its own, or one in its `sequence`) that is not a readable
 * file where the route reads it from: what `devproxy check` reports, as it reports a `ca` file
 * that is missing. A mock reads its file when a request comes, so `start` does not insist.
 */
export function missingMockFiles(routes: readonly ResolvedRoute[]): ConfigIssue[] {
  return routes.flatMap((route, r) =>
    route.mocks.flatMap((mock, m) => {
      const at = `routes[${r}].mock${route.mocks.length === 1 ? '' : `[${m}]`}`
      const answers: Array<readonly [string, unknown]> = [[at, mock], ...(mock.sequence ?? []).map((answer, i) => [`${at}.sequence[${i}]`, answer] as const)]
      return answers.flatMap(([path, answer]) => {
        const file = (answer as { file?: unknown } | null | undefined)?.file
        if (typeof file !== 'string') return []
        const problem = fileProblem(resolve(route.baseDir, file))
        return problem === undefined
          ? []
          : [{ path: `${path}.file`, message: `${problem} (${JSON.stringify(file)})`, suggestion: `file is relative to the config file's directory (${route.baseDir})` }]
      })
    }),
  )
}

function fileProblem(file: string): string | undefined {
  try {
    const stat = statSync(file)
    return stat.isFile() ? undefined : `is not a file: ${file} is a directory`
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return code === 'ENOENT' ? `names a file that does not exist: ${file}` : `cannot be read: ${file} (${code ?? (error as Error).message})`
  }
}
