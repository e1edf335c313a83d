export { defineConfig } from './config/define.js'
export type {
  HeaderRules,
  ResolvedConfig,
  ResolvedRoute,
  UserConfig,
  UserRoute,
  UserRouteHeaders,
} from './config/types.js'
export { DevproxyError } from './errors.js'
