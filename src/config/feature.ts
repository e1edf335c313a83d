import type { Check, ConfigIssue } from './checks.js'
import type { ResolvedConfig, ResolvedConfigSkeleton, ResolvedRoute, ResolvedRouteSkeleton, UserConfig, UserRoute } from './types.js'

/**
 * The seam between config/ and the features (faults, the log, recording, hooks, mocks). config/
 * knows the skeleton: where the proxy listens, the routes and every route field the engine reads.
 * A feature owns the rest of its part of `proxy.config.ts` in two files of its own folder:
 *
 * - `config-types.ts`: its `User*` and `Resolved*` types, with JSDoc and defaults, merged into
 *   config/types.ts's interfaces by declaration merging (`declare module '../config/types.js'`),
 *   so `defineConfig` completes and documents its fields like the skeleton's;
 * - `config.ts`: a `ConfigFeature`, how its fields are checked, resolved (defaults applied) and
 *   shown when a reload changes them.
 *
 * src/features.ts lists the features and hands them to config/ (validate, resolve, diff, load,
 * types-file); config/ imports none of them.
 */
export interface ConfigFeature<Setting extends FeatureSetting = never, RouteField extends FeatureRouteField = never> {
  /** As the folder is named: `faults`, `mocks`. */
  readonly name: string
  /** Top-level settings it owns (`faults`, `log`), by name; listed after the skeleton's in `known options`. */
  readonly settings?: { readonly [K in Setting]: SettingPart<K> }
  /** Route fields it owns. */
  readonly route?: RoutePart<RouteField>
  /**
   * Checks that need the routes (a fault's `route` must name one). Runs on a config whose
   * fields are otherwise valid, after every field's own check.
   */
  checkConfig?(config: Readonly<Record<string, unknown>>, routes: readonly RouteSelector[]): ConfigIssue[]
  /** Where its config types are declared, for devproxy-env.d.ts (config/types-file.ts). */
  readonly types: readonly TypesModule[]
}

/** A feature as config/ handles it, whatever it owns (`any`: the settings and fields differ per feature). */
export type AnyConfigFeature = ConfigFeature<any, any>

/** The features a config is read with, in the order their fields are listed and reloads shown. */
export type ConfigFeatures = readonly AnyConfigFeature[]

/** The settings of ResolvedConfig a feature resolves: those the skeleton does not. */
export type FeatureSetting = Exclude<keyof ResolvedConfig, keyof ResolvedConfigSkeleton>

/** The fields of ResolvedRoute a feature resolves: those the skeleton does not. */
export type FeatureRouteField = Exclude<keyof ResolvedRoute, keyof ResolvedRouteSkeleton>

/** One line a reload prints for a field: its name as the config writes it, and how its value reads. */
export type ReloadRow<T> = readonly [field: string, describe: (value: T) => string]

export interface SettingPart<K extends FeatureSetting> {
  /** Checks the value written (never undefined), adding what is wrong at `path`. */
  readonly check: Check
  /**
   * The setting with its defaults applied, frozen; `user` has passed every check. Files it names
   * are read from `baseDir` (the config file's directory, or the cwd); one that cannot be used
   * throws a ConfigValidationError at the setting's path.
   */
  resolve(user: UserConfig, context: { readonly baseDir: string }): ResolvedConfig[K]
  /** `live`: a reload puts a change in force; `restart`: read once at start, a change waits for a restart. */
  readonly reload: 'live' | 'restart'
  readonly rows: ReadonlyArray<ReloadRow<ResolvedConfig[K]>>
}

export interface RoutePart<K extends FeatureRouteField> {
  /** Each field of UserRoute it owns, with its check; listed after the skeleton's in `known options`. */
  readonly fields: Readonly<Record<string, Check>>
  /** Its fields of the resolved route, defaults applied, frozen; `route` has passed every check. */
  resolve(route: UserRoute): Pick<ResolvedRoute, K>
  /** Keyed by its resolved fields: a field added without its reload lines does not compile. */
  readonly rows: { readonly [F in K]: ReadonlyArray<ReloadRow<ResolvedRoute>> }
  /** True when the route answers its requests without an upstream (a route of mocks), so it may have no `target`. */
  answersWithoutTarget?(route: Readonly<Record<string, unknown>>): boolean
}

/** What a cross-field check knows of each route. */
export interface RouteSelector {
  /** Given, or derived from the path. */
  readonly name: string
  readonly methods: readonly string[] | undefined
}

/** A types-only module: `url` without its extension (`.d.ts` when built, `.ts` when run from source). */
export interface TypesModule {
  readonly url: URL
  /** Only these declarations; default: every one but the `Resolved*` types. */
  readonly only?: readonly string[]
}
