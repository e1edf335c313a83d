import type { HookRequestInfo } from '../config/route-code.js'
import type { HookAnswer } from '../hooks/config-types.js'

/**
 * The route field src/mocks owns in `proxy.config.ts`, `mock`, merged into the config's route
 * (config/types.ts) by declaration merging. Types only; its checks and reload line are in
 * mocks/config.ts.
 */

/** Which requests a mock answers: every field given must match. */
export interface MockMatch {
  /** One method or several. Default: any. */
  method?: string | string[]
  /**
   * The request path (without its query, as received) must match: exact, or with `*` for one
   * path segment, `**` for any number of them and `{a,b}` for either (`/api/{users,orders}/*`;
   * README: Path patterns). Default: any path on the route.
   */
  path?: string
  /** These query parameters must have these values. Default: any query. */
  query?: Record<string, string>
  /** These request header fields must have these values (names in any case). Default: any headers. */
  headers?: Record<string, string>
}

/**
 * A mock: answers matching requests in place of the upstream, with the fields of `HookAnswer`
 * (`status`, `headers`, `json` | `body` | `file`, `delayMs`), a `sequence` of answers, or a
 * `respond` function. Requests no mock answers go to the upstream (on a route without `target`:
 * 404 `mock_unmatched`). Call counts start again when the config is reloaded.
 */
export interface UserMock extends HookAnswer {
  /** Which requests. Default: every request on the route. */
  match?: MockMatch
  /** Answer only the nth matching request (1: the first); the others go on to later mocks or the upstream. Default: every one. */
  nth?: number
  /** The 1st matching request gets the first answer, the 2nd the second…; once they are used up, requests go on to later mocks or the upstream. */
  sequence?: HookAnswer[]
  /** Computes the answer; returning nothing lets the request go on to later mocks or the upstream. */
  respond?: (req: MockRequest) => HookAnswer | void | Promise<HookAnswer | void>
}

/** What a mock's `respond` function is given. */
export interface MockRequest extends HookRequestInfo {
  /** The path as received, without the query. */
  readonly path: string
  /** The query parameters (the last value of each). */
  readonly query: Readonly<Record<string, string>>
  /** The nth time this mock matched (1: the first). */
  readonly call: number
  /** The whole request body (at most the route's `maxRequestBodyBytes`). */
  body(): Promise<Uint8Array>
  /** The body as UTF-8 text. */
  text(): Promise<string>
  /** The body parsed as JSON (rejects if it is not JSON). */
  json(): Promise<unknown>
}

declare module '../config/types.js' {
  interface UserRoute {
    /** Mocks answering matching requests in place of the upstream (first match wins). Default: none. */
    mock?: UserMock | UserMock[]
  }

  interface ResolvedRoute {
    /** `[]` when the route has none. */
    readonly mocks: readonly UserMock[]
  }
}
