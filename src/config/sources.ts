import type { ResolvedConfig, ResolvedHttps, UserConfig } from './types.js'

/** `devproxy start --target URL`: no config file, one catch-all route. */
export function targetConfig(target: string): UserConfig {
  return { routes: [{ name: 'default', path: '/', target }] }
}

/** Command-line `--port` and `--host` win over the file. */
export function applyListenOverrides(
  config: ResolvedConfig,
  flags: { port?: number | undefined; host?: string | undefined; https?: boolean | undefined; httpsPort?: number | undefined },
): ResolvedConfig {
  return Object.freeze({
    ...config,
    port: flags.port ?? config.port,
    host: flags.host ?? config.host,
    https: httpsOverride(config.https, flags),
  })
}

/** `--https-port N`: HTTPS there beside plain HTTP; `--https`: the port speaks HTTPS; `--no-https`: off. */
function httpsOverride(https: ResolvedHttps | undefined, flags: { https?: boolean | undefined; httpsPort?: number | undefined }): ResolvedHttps | undefined {
  if (flags.httpsPort !== undefined) return Object.freeze({ port: flags.httpsPort })
  if (flags.https === false) return undefined
  if (flags.https === true) return https ?? Object.freeze({ port: undefined })
  return https
}
