import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { Flags } from '@oclif/core'
import { DevproxyCommand } from '../cli/devproxy-command.js'
import { DEFAULT_TEMPLATE, isTemplateName, TEMPLATE_NAMES, TEMPLATES, templatePath } from '../config/templates.js'

export default class Init extends DevproxyCommand {
  static override summary = 'Write a starter proxy.config.ts.'
  static override description = `Writes proxy.config.ts in the current directory (or the --config PATH) from one of the built-in templates:

${TEMPLATE_NAMES.map((name) => `  ${name.padEnd(15)}${TEMPLATES[name]}`).join('\n')}

An existing file is never overwritten unless --force is given. The file name must end in .ts, .mts, .js or .mjs.

Next to it, devproxy-env.d.ts declares the config's types, so your editor and tsc check it without devproxy installed in the project (it is rewritten on each init).`

  static override examples = [
    { description: 'One service behind the proxy', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'A Vite front end and its API under one origin', command: '<%= config.bin %> <%= command.id %> --template spa-api' },
    { description: 'Replace an existing config', command: '<%= config.bin %> <%= command.id %> --template microservices --force' },
    { description: 'Write it somewhere else', command: '<%= config.bin %> <%= command.id %> --config dev/proxy.config.ts' },
  ]

  static override flags = {
    template: Flags.string({ summary: 'Template to start from.', options: TEMPLATE_NAMES, default: DEFAULT_TEMPLATE }),
    force: Flags.boolean({ char: 'f', summary: 'Overwrite the file if it exists.' }),
    config: Flags.string({ char: 'c', summary: 'File to write.', helpValue: 'PATH', description: 'Default: proxy.config.ts in the current directory.' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Init)
    const [{ displayPath }, { DEFAULT_CONFIG_FILES }, { createLogger }, { configNameError }] = await Promise.all([
      import('../config/load-error.js'),
      import('../config/defaults.js'),
      import('../log/logger.js'),
      import('../config/load.js'),
    ])
    const cwd = process.cwd()
    const name = flags.template
    if (!isTemplateName(name)) this.error(`unknown template ${name}`, { exit: 1 }) // oclif's `options` rejects it first
    const file = resolve(cwd, flags.config ?? DEFAULT_CONFIG_FILES[0])
    const shown = displayPath(file, cwd)
    // start and check load only these; anything else would be a config nothing reads.
    const wrongName = configNameError(shown)
    if (wrongName) throw wrongName
    const content = await readFile(templatePath(name), 'utf8')
    const existed = flags.force && existsSync(file)
    try {
      await mkdir(dirname(file), { recursive: true })
      // `wx` fails if the file appeared since anyone looked: nothing is ever clobbered without --force.
      await writeFile(file, content, { flag: flags.force ? 'w' : 'wx' })
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST') {
        this.error(`${shown} already exists`, {
          exit: 1,
          code: 'config_exists',
          suggestions: ['Pass --force to overwrite it, or --config PATH to write another file.'],
        })
      }
      this.error(`cannot write ${shown}: ${(error as Error).message}`, { exit: 1, code: 'write_failed' })
    }
    // Generated, so refreshed every time: the config's types with no devproxy in node_modules.
    const [{ renderTypesFile, TYPES_FILE_NAME }, { CONFIG_FEATURES }] = await Promise.all([import('../config/types-file.js'), import('../features.js')])
    const typesFile = join(dirname(file), TYPES_FILE_NAME)
    try {
      await writeFile(typesFile, await renderTypesFile(this.config.version, CONFIG_FEATURES))
    } catch (error) {
      this.error(`cannot write ${displayPath(typesFile, cwd)}: ${(error as Error).message}`, { exit: 1, code: 'write_failed' })
    }

    // `check`/`start` find the file on their own only when it is the first default name in cwd.
    const found = DEFAULT_CONFIG_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f))
    const configFlag = found === file ? '' : ` --config ${quote(shown)}`
    const { palette } = createLogger()
    this.log(`${palette.ok('✓')} ${existed ? 'overwrote' : 'wrote'} ${shown} from the ${name} template`)
    this.log(palette.dim(`  ${TEMPLATES[name]}`))
    this.log(`${palette.ok('✓')} wrote ${displayPath(typesFile, cwd)}: its types, for your editor and tsc (no need to install devproxy)`)
    this.log('')
    this.log('Next steps:')
    this.log(`  1. Edit the targets in ${shown} to point at your services.`)
    this.log(`  2. devproxy check${configFlag}    validates it`)
    this.log(`  3. devproxy start${configFlag}    starts the proxy`)
  }
}

/** Quotes a path for a POSIX shell when it needs it. */
function quote(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`
}
