import { isAbsolute, relative } from 'node:path'
import { textWidth } from '../terminal/text-width.js'

/**
 * Turns whatever importing a config threw into `file:line:column: what went wrong` plus the
 * offending source line, the way a compiler reports it. Pure: the caller reads the source.
 */

export interface SourceLocation {
  readonly file: string
  readonly line: number
  /** 1-based; absent when only the line is known (runtime errors in transformed code). */
  readonly column?: number
}

export interface DescribedLoadError {
  readonly message: string
  readonly location: SourceLocation | undefined
  readonly suggestion: string | undefined
}

// jiti reports parse errors as "ParseError: <reason>  \n <file>:<line>:<0-based column>".
const PARSE_ERROR = /^(?:\w*Error: )?([\s\S]*?)\s*\n\s*(\S.*?):(\d+):(\d+)\s*$/
const STACK_FRAME = /^\s+at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/

export function describeLoadError(error: unknown, isUserFile: (file: string) => boolean): DescribedLoadError {
  const err = error instanceof Error ? error : new Error(String(error))
  const parse = /ParseError|SyntaxError/.test(err.message) || err.name === 'SyntaxError' ? PARSE_ERROR.exec(err.message) : null
  if (parse) {
    const [, reason = '', file = '', line = '0', column = '0'] = parse
    return {
      message: `syntax error: ${reason.trim()}`,
      location: { file, line: Number(line), column: Number(column) + 1 },
      suggestion: undefined,
    }
  }
  const firstLine = err.message.split('\n')[0] ?? ''
  if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' || firstLine.startsWith('Cannot find module')) {
    return {
      message: firstLine,
      location: undefined,
      suggestion: 'Check the import path; relative imports are resolved from the config file\'s directory.',
    }
  }
  return {
    message: `${err.name}: ${firstLine}`,
    location: runtimeLocation(err.stack ?? '', isUserFile),
    suggestion: undefined,
  }
}

/**
 * A config module that loaded but has no default export, where devproxy reads the config:
 * say so, name what it does export, and show the line to write.
 */
export function describeMissingDefault(namedExports: readonly string[]): { message: string; suggestion: string } {
  const [only] = namedExports
  const found =
    namedExports.length === 0 ? 'it exports nothing'
    : `it has only the named export${namedExports.length === 1 ? '' : 's'} ${namedExports.join(', ')}`
  const add = namedExports.length === 1 ? `, or keep yours and add: export default ${only}` : ''
  return {
    message: `no default export (${found})`,
    suggestion: `devproxy reads the config from the default export: write export default defineConfig({ … })${add}`,
  }
}

/** The first stack frame inside the user's own files; transformed code keeps lines, not columns. */
function runtimeLocation(stack: string, isUserFile: (file: string) => boolean): SourceLocation | undefined {
  for (const line of stack.split('\n')) {
    const frame = STACK_FRAME.exec(line)
    if (frame?.[1] && isAbsolute(frame[1]) && isUserFile(frame[1])) return { file: frame[1] ?? '', line: Number(frame[2]) }
  }
  return undefined
}

/** `proxy.config.ts:3:25` relative to `cwd` when the file is under it. */
export function formatLocation(location: SourceLocation, cwd: string): string {
  const column = location.column === undefined ? '' : `:${location.column}`
  return `${displayPath(location.file, cwd)}:${location.line}${column}`
}

export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file
}

/** The line at fault with one line of context before it and a caret under the column. */
export function codeFrame(source: string, line: number, column?: number): string[] {
  const lines = source.split(/\r?\n/)
  const width = String(line).length
  const out: string[] = []
  for (let n = Math.max(1, line - 1); n <= Math.min(lines.length, line); n++) {
    out.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${lines[n - 1] ?? ''}`.trimEnd())
  }
  if (column !== undefined && line <= lines.length) {
    // Keep tabs so the caret lines up under the same character; a wide character (CJK) takes two columns.
    const pad = (lines[line - 1] ?? '').slice(0, column - 1).replace(/[^\t]+/g, (run) => ' '.repeat(textWidth(run)))
    out.push(`  ${' '.repeat(width)} | ${pad}^`)
  }
  return out
}
