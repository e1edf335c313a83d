// Writes oclif.manifest.json from the built commands, as `oclif manifest` does, without
// pulling the whole oclif release toolchain into devDependencies. With the manifest
// shipped, `devproxy --help` never imports a command module.
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { Plugin } from '@oclif/core'

const root = fileURLToPath(new URL('..', import.meta.url))
const plugin = new Plugin({ root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true })
await plugin.load()
if (plugin.commandIDs.length === 0) throw new Error('no commands found in dist/commands: build first')
await writeFile(new URL('../oclif.manifest.json', import.meta.url), JSON.stringify(plugin.manifest, null, 2) + '\n')
console.log(`oclif.manifest.json: ${plugin.commandIDs.length} commands (${plugin.commandIDs.join(', ')})`)
