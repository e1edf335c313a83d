import picomatch from 'picomatch'

/**
 * The one set of rules for a path pattern, wherever devproxy takes one: a mock's `match.path`,
 * a fault's `path` (`devproxy fault --path`, `--fault '… --path …'`, a config fault) and
 * `record --filter path=…` (DESIGN.md §8: picomatch, one matcher). Pure.
 *
 * A pattern is matched against the path of the request target as the client sent it: no query,
 * percent-encoding kept, case-sensitive (RFC 3986 §6.2.2.1).
 * - `*` is any characters within one segment (`/files/*.json`); a whole-segment `*` is one
 *   non-empty segment (`/users/*` matches `/users/42` and `/users/42/`, not `/users/` or
 *   `/users/42/posts`). Segments that start with a dot count (`/.well-known/*`, `/api/.env`).
 * - `**` as a whole segment is any number of segments, none included (`/api/**` matches `/api`,
 *   `/api/` and `/api/a/b`); inside a segment it is refused.
 * - `{a,b}` is either (`/api/{users,orders}/*`); `{id}`, without a comma, is literal.
 * - Everything else stands for itself: `. + ( ) [ ] | ! @ $` (paths hold them more often than
 *   anyone means a regular expression: OData's `/Products(1)`); `\` makes the next one literal.
 */

/** picomatch's options, the same everywhere (the package's defaults are for file globs). */
const OPTIONS: picomatch.PicomatchOptions = {
  // `*` takes `.env` and `.well-known`: a dot-first segment is no hidden file in a URL.
  dot: true,
  // `[ab]`, `+(a)`, `!(a)`, a leading `!` are literal: the characters a path holds.
  nobracket: true,
  noextglob: true,
  nonegate: true,
  // An unclosed `{` throws (pathPatternProblem reports it) rather than match nothing silently.
  strictBrackets: true,
  // URL paths are `/`-separated on every OS; `\` escapes.
  windows: false,
}

/** picomatch reads `( | )` as a group and `?` as one character even with the options above: made literal. */
const LITERAL = /[()|?]/g

/** The test for one pattern; `pattern` has passed {@link pathPatternProblem}. */
export function compilePathPattern(pattern: string): (path: string) => boolean {
  return picomatch(pattern.replace(LITERAL, '\\$&'), OPTIONS)
}

/** What kind of mistake a pattern holds, for a feature that words one differently (mocks point `?` to `match.query`). */
export type PathPatternMistake = 'no-slash' | 'query' | 'fragment' | 'whitespace' | 'globstar' | 'brace' | 'range'

export interface PathPatternProblem {
  readonly mistake: PathPatternMistake
  /** Completes "the pattern …": `must start with "/"`. */
  readonly message: string
  readonly suggestion?: string | undefined
}

/** What is wrong with a pattern, or undefined when it is one: a pattern that could never match is refused, not kept. */
export function pathPatternProblem(pattern: string): PathPatternProblem | undefined {
  if (!pattern.startsWith('/')) return { mistake: 'no-slash', message: 'must start with "/"', suggestion: `did you mean ${JSON.stringify(`/${pattern}`)}?` }
  // A request's path never holds `?` or `#` (RFC 3986 §3.3): one in a pattern is a query or fragment meant.
  if (pattern.includes('?')) return { mistake: 'query', message: 'must be a path without a query', suggestion: 'a path pattern matches the path only; `?` is not a wildcard here (use * for part of a segment)' }
  if (pattern.includes('#')) return { mistake: 'fragment', message: 'must be a path without a fragment (clients never send one)' }
  if (/\s/.test(pattern)) return { mistake: 'whitespace', message: 'must not contain whitespace' }
  if (pattern.split('/').some((segment) => segment.includes('**') && segment !== '**')) {
    return { mistake: 'globstar', message: 'uses ** inside a segment', suggestion: '** stands for whole segments (/api/**); * for part of one (/files/*.json)' }
  }
  // picomatch turns `{1..10}` into the character class [1-10]: a range would match the wrong paths.
  if (/\{[^{}]*\.\.[^{}]*\}/.test(pattern)) return { mistake: 'range', message: 'uses a range such as {1..3}', suggestion: 'list the values instead: {1,2,3}' }
  try {
    compilePathPattern(pattern)
  } catch {
    return { mistake: 'brace', message: 'has a "{" without its "}"', suggestion: 'write {a,b} for either a or b, or \\{ for a literal brace' }
  }
  return undefined
}
