/** Defaults applied when resolving a user config; the JSDoc in types.ts states each of them. */
export const DEFAULT_PORT = 8080
export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_TIMEOUT_MS = 30_000
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024
export const DEFAULT_CONFIG_FILES = ['proxy.config.ts', 'proxy.config.mts', 'proxy.config.js', 'proxy.config.mjs'] as const
