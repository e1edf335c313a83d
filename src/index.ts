export { defineConfig } from './config/define.js'
export type {
  HeaderRules,
  ResolvedConfig,
  ResolvedRoute,
  UserConfig,
  UserRoute,
  UserRouteHeaders,
} from './config/types.js'
// The features' config types: exporting them also brings the fields they merge into UserConfig
// and UserRoute (declaration merging, config/feature.ts) to every program that imports devproxy.
export type { UserFault, UserFaults } from './faults/config-types.js'
export type { HookAnswer, OnRequestContext, OnResponseContext } from './hooks/config-types.js'
export type { UserLog } from './log/config-types.js'
export type { MockMatch, MockRequest, UserMock } from './mocks/config-types.js'
export type { UserRecord } from './record/config-types.js'
export { DevproxyError } from './errors.js'
// The programmatic API (README: In your tests).
export { startProxy } from './api/entry.js'
export type { StartedProxy } from './api/start-proxy.js'
export type { LogFormat, ProxyLogOptions, ProxyOptions, ProxyRecordOptions, ProxyReplayOptions } from './api/options.js'
export type { NextTransactionOptions, TransactionMatch } from './api/transaction-watch.js'
export type { TransactionJson } from './log/format-json.js'
export type { ActiveFault, FaultKind, FaultSpec } from './faults/types.js'
export type { ConfigIssue } from './errors.js'
export { ConfigError, ConfigValidationError } from './errors.js'
