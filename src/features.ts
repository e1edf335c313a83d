import type { ConfigFeature, ConfigFeatures, FeatureRouteField, FeatureSetting } from './config/feature.js'
import { diffConfigs as diffWith, type ConfigChange } from './config/diff.js'
import { startLiveReload as startLiveReloadWith, type LiveReloadOptions } from './config/live-reload.js'
import { loadConfig as loadWith, loadConfigFile as loadFileWith, type LoadedConfig } from './config/load.js'
import { resolveConfig as resolveWith } from './config/resolve.js'
import type { ResolvedConfig, UserConfig } from './config/types.js'
import { validateConfig as validateWith, type ConfigIssue } from './config/validate.js'
import { faultsConfig } from './faults/config.js'
import { hooksConfig } from './hooks/config.js'
import { logConfig } from './log/config.js'
import { mocksConfig } from './mocks/config.js'
import { outboundConfig } from './outbound/config.js'
import { recordConfig } from './record/config.js'

/**
 * `proxy.config.ts` as this devproxy reads it: config/'s skeleton (listen, routes, what the
 * engine reads) and each feature's part (config/feature.ts). The order is the order their fields
 * are listed in `known options` and their changes in a reload: settings `faults`, `log`,
 * `record`, `outbound` after the skeleton's; route fields of hooks, then mocks, after the route's own.
 */
const FEATURES = [faultsConfig, logConfig, recordConfig, outboundConfig, hooksConfig, mocksConfig] as const

export const CONFIG_FEATURES: ConfigFeatures = FEATURES

type Feature = (typeof FEATURES)[number]
type SettingsOf<F> = F extends ConfigFeature<infer S, infer _R> ? S : never
type RouteFieldsOf<F> = F extends ConfigFeature<infer _S, infer R> ? R : never
type Unresolved = Exclude<FeatureSetting, SettingsOf<Feature>> | Exclude<FeatureRouteField, RouteFieldsOf<Feature>>

/**
 * Every setting and route field a feature merges into the resolved config is resolved by a
 * feature listed above: a field declared (config-types.ts) with no feature resolving it would
 * be undefined at run time, so this line stops compiling and names it.
 */
export const EVERY_FIELD_RESOLVED: [Unresolved] extends [never] ? true : `no feature resolves ${Unresolved}` = true

/** Every problem with a config, in the order the fields appear; `[]` when it is valid. */
export const validateConfig = (input: unknown): ConfigIssue[] => validateWith(input, FEATURES)

/** A user config checked (every problem at once), its `ca` files read, defaults applied; frozen. */
export const resolveConfig = (user: UserConfig, file?: string): ResolvedConfig => resolveWith(user, FEATURES, file)

/** What a reload changed, field by field. */
export const diffConfigs = (before: ResolvedConfig, after: ResolvedConfig): ConfigChange[] => diffWith(before, after, FEATURES)

/** A config file imported fresh, validated and resolved, with the files it imports (for a watcher). */
export const loadConfig = (file: string, cwd?: string): Promise<LoadedConfig> => loadWith(file, FEATURES, cwd)

/** `loadConfig` for callers that do not watch. */
export const loadConfigFile = (file: string, cwd?: string): Promise<ResolvedConfig> => loadFileWith(file, FEATURES, cwd)

/** Hot reload of a config file: each valid edit swapped in, each invalid one reported. */
export const startLiveReload = (options: Omit<LiveReloadOptions, 'features'>): ReturnType<typeof startLiveReloadWith> => startLiveReloadWith({ ...options, features: FEATURES })
