// The programs the benchmarks drive, all from Debian: wrk (HTTP/1.1 load), h2load (HTTP/2 load),
// nginx (the upstream), curl (the download client) and hey (load through a forward proxy). Found on PATH, or in the sbin
// directories a non-root PATH leaves out (nginx lives in /usr/sbin).
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

/** Program → the Debian package that installs it. */
export const PACKAGES = { wrk: 'wrk', h2load: 'nghttp2-client', nginx: 'nginx', curl: 'curl', hey: 'hey' }

/** The absolute path of `name`, or undefined when it is not installed. */
export function findTool(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin']
  for (const dir of dirs.filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK)
      return join(dir, name)
    } catch {}
  }
  return undefined
}

/** One line naming what is missing of `names` and how to install it, or undefined if nothing is. */
export function missingTools(names) {
  const missing = names.filter((name) => findTool(name) === undefined)
  if (missing.length === 0) return undefined
  return `${missing.join(', ')} not found: apt-get install ${[...new Set(missing.map((name) => PACKAGES[name]))].join(' ')}`
}

/** The path of `name`, or an error saying how to install it. */
export function tool(name) {
  const path = findTool(name)
  if (path === undefined) throw new Error(missingTools([name]))
  return path
}
