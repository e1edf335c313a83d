import type { ResolvedConfig, UserConfig } from './types.js'

/** `devproxy start --target URL`: no config file, one catch-all route. */
export function targetConfig(target: string): UserConfig {
  return { routes: [{ name: 'default', path: '/', target }] }
}

/** Command-line `--port` and `--host` win over the file. */
export function applyListenOverrides(config: ResolvedConfig, flags: { port?: number | undefined; host?: string | undefined }): ResolvedConfig {
  return Object.freeze({
    ...config,
    port: flags.port ?? config.port,
    host: flags.host ?? config.host,
  })
}
