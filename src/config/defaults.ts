/** The skeleton's defaults, applied when resolving a user config; the JSDoc in types.ts states each of them. Each feature keeps its own in its config.ts. */
export const DEFAULT_PORT = 8080
export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_TIMEOUT_MS = 30_000
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024
export const DEFAULT_CONFIG_FILES = ['proxy.config.ts', 'proxy.config.mts', 'proxy.config.js', 'proxy.config.mjs'] as const
export const DEFAULT_RETRY = Object.freeze({
  attempts: 1,
  on: Object.freeze(['connect-failure', 'reset', 'timeout', '5xx'] as const),
  baseMs: 100,
  maxMs: 2_000,
  jitter: 'full' as const,
  /** The idempotent methods of RFC 9110 §9.2.2. */
  methods: Object.freeze(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']),
  retryAfter: true,
  budgetMs: undefined,
  maxReplayBodyBytes: 1024 * 1024,
})
/** Connecting to a target takes longer than this → the attempt fails as a connect failure. */
export const DEFAULT_CONNECT_MS = 5_000
/** 0: a response body may pause for any time (server-sent events are often quiet). */
export const DEFAULT_IDLE_MS = 0
/** A request body that pauses longer than this is answered 408 (nginx's client_body_timeout). */
export const DEFAULT_UPLOAD_IDLE_MS = 60_000
/** Connections to one target at once; more requests queue for a free one. */
export const DEFAULT_MAX_CONNECTIONS = 128
