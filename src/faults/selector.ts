import picomatch from 'picomatch'

/** The one importer of picomatch: `--path` globs (`*` within a segment, `**` across). */
export function compilePathGlob(glob: string): (path: string) => boolean {
  return picomatch(glob, { dot: true })
}
