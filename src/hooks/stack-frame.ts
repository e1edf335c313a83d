/**
 * Reading a V8 stack trace for the frame that matters to the user: the first one in a file
 * they wrote (the config, or a file it imports). Used for a hook that threw (call.ts) and for
 * route code that never returned (the watchdog, which gets the stack from the stuck thread).
 * Pure.
 */

export interface StackFrame {
  /** An absolute path (`file://` removed). */
  readonly file: string
  readonly line: number
  readonly column: number
  /** `onRequest`, `respond`; undefined for an anonymous function or top-level code. */
  readonly functionName: string | undefined
}

// `    at onRequest (/p/proxy.config.ts:12:7)`, `    at /p/proxy.config.ts:12:7`,
// `    at async Object.onRequest (file:///p/proxy.config.mjs:3:5)`, Windows `C:\p\x.ts:1:2`.
const FRAME = /^\s*at (?:(.+?) \()?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):(\d+):(\d+)\)?\s*$/

/** The first frame of `stack` whose file `isUserFile` accepts; Node's own (`node:…`) never. */
export function userFrame(stack: string, isUserFile: (file: string) => boolean): StackFrame | undefined {
  for (const line of stack.split('\n').slice(1)) {
    if (line.includes('node:')) continue
    const match = FRAME.exec(line)
    if (match === null) continue
    const file = match[2]!.replace(/^file:\/\//, '')
    if (!isUserFile(file)) continue
    return { file, line: Number(match[3]), column: Number(match[4]), functionName: functionNameOf(match[1]) }
  }
  return undefined
}

/** `Object.onRequest` → `onRequest`, `async respond` → `respond`; `<anonymous>` → undefined. */
function functionNameOf(text: string | undefined): string | undefined {
  const name = text?.replace(/^async /, '').replace(/ \[as [^\]]+\]$/, '').split('.').at(-1)
  return name === undefined || name === '' || name === '<anonymous>' ? undefined : name
}

/** `proxy.config.ts:12:7`: the file relative to `cwd` when it is inside it. */
export function frameLocation(frame: StackFrame, cwd: string): string {
  const file = frame.file.startsWith(`${cwd}/`) ? frame.file.slice(cwd.length + 1) : frame.file
  return `${file}:${frame.line}:${frame.column}`
}
