/**
 * The engine's public surface: everything outside src/proxy (the features, the sinks, the
 * commands) imports the proxy from here and nowhere deeper, so the engine's inside can be laid
 * out as its walk needs (src/proxy/README.md) without every feature knowing where each part lives.
 */
export * from './transaction/body-capture.js'
export * from './http/content-coding.js'
export type { Engine, EngineCounters, EnginePlugins, EngineState } from './engine.js'
export { buildErrorResponse, type ErrorDetails, type ErrorType, type UpstreamFailure } from './http/error-map.js'
export * from './exchange/fault-plan.js'
export { headersObject, RESEND_HEADER } from './http/fields.js'
export { hostFieldCount } from './http/host-fields.js'
export * from './exchange/random.js'
export { toOriginForm } from './http/request-target.js'
export { absoluteRequestUrl } from './http/request-url.js'
export * from './exchange/route-program.js'
export { startServer, type RunningServer, type ServerOptions } from './server.js'
export * from './exchange/stand-in.js'
export * from './transaction/transaction.js'
