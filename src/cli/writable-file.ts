import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * Rejects with the system's error when `file` could not be created or overwritten: it is a
 * directory, or it (or, when it does not exist yet, the nearest directory above it that does)
 * is not writable. Writes nothing: `devproxy record` checks `--out` before it listens and
 * opens the file only once it does.
 */
export async function checkCanWrite(file: string): Promise<void> {
  const found = await stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (found?.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, open '${file}'`), { code: 'EISDIR' })
  if (found !== undefined) return access(file, constants.W_OK)
  // Directories on the way are made when the file is opened: the nearest one that exists must take them.
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const above = await stat(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      throw error
    })
    if (above !== undefined) {
      if (!above.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, open '${file}'`), { code: 'ENOTDIR' })
      return access(dir, constants.W_OK)
    }
    if (dirname(dir) === dir) return
  }
}
