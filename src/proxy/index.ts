/**
 * The engine's public surface: everything outside src/proxy (the features, the sinks, the
 * commands) imports the proxy from here and nowhere deeper, so the engine's inside can be laid
 * out as its walk needs (src/proxy/README.md) without every feature knowing where each part lives.
 */
export * from './body-capture.js'
export * from './content-coding.js'
export type { Engine, EngineCounters, EnginePlugins, EngineState } from './engine.js'
export { buildErrorResponse, type ErrorDetails, type ErrorType, type UpstreamFailure } from './error-map.js'
export * from './fault-plan.js'
export { headersObject, RESEND_HEADER } from './headers.js'
export { hostFieldCount } from './host-fields.js'
export * from './random.js'
export { toOriginForm } from './request-target.js'
export { absoluteRequestUrl } from './request-url.js'
export * from './route-program.js'
export { startServer, type RunningServer, type ServerOptions } from './server.js'
export * from './stand-in.js'
export * from './transaction.js'
