/**
 * The preload `devproxy run` gives every Node process of its command (NODE_OPTIONS=--import
 * <this file>): Node's `fetch`, `http` and `https` go through the proxy that HTTP_PROXY and
 * HTTPS_PROXY name, as curl and Python do by themselves. An ES module; it works the same when
 * the application is CommonJS (`--import` runs before the main module, whatever its kind).
 *
 * It only reads the environment: a process whose proxy variables were unset (a child started
 * with a clean environment) is left as it is. A failure here must never stop the application:
 * it is said in one line on stderr, and the application runs unproxied.
 */
import { installFetchDispatcher } from './fetch-dispatcher.js'
import { patchAgents } from './patch-agents.js'

const env = process.env
if (env.HTTP_PROXY || env.HTTPS_PROXY || env.http_proxy || env.https_proxy) {
  try {
    patchAgents()
    installFetchDispatcher()
  } catch (error) {
    process.stderr.write(`devproxy run: could not route this Node process through the proxy (${(error as Error).message})\n`)
  }
}
