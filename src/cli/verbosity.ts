/**
 * `-v`, `-vv`, `--verbose --verbose`: oclif has no counting flag, so the count is taken from
 * argv before parsing and a single `--verbose` is left for oclif (and its help). Pure.
 */
export function extractVerbosity(argv: readonly string[]): { argv: string[]; verbose: number } {
  let verbose = 0
  const rest: string[] = []
  for (const [index, arg] of argv.entries()) {
    if (arg === '--') {
      rest.push(...argv.slice(index))
      break
    }
    if (arg === '--verbose') verbose++
    else if (/^-v+$/.test(arg)) verbose += arg.length - 1
    else rest.push(arg)
  }
  return { argv: verbose > 0 ? [...rest, '--verbose'] : rest, verbose }
}
