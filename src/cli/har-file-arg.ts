import { Args, type Command } from '@oclif/core'
import { statSync } from 'node:fs'
import { UsageError } from '../errors.js'
import { exampleHint } from './usage-error.js'

/**
 * A positional HAR file (`devproxy replay FILE`, `devproxy diff A B`). A directory is a slip on
 * the command line (`devproxy replay .`) and is said so, in one line with an example; a file
 * that is missing or not a HAR is left to the reader, which says what is wrong with it.
 */
export const harFileArg = Args.custom<string>({
  async parse(input, context: Command) {
    if (statSync(input, { throwIfNoEntry: false })?.isDirectory()) {
      const command = context.constructor as typeof Command
      const id = context.id ?? command.id
      const files = Object.keys(command.args ?? {}).length === 1 ? 'a HAR file' : 'HAR files'
      throw new UsageError('invalid_argument', `${input} is a directory; ${context.config.bin} ${id} takes ${files}`, {
        suggestion: exampleHint({ ...command, id }, context.config.bin),
      })
    }
    return input
  },
})
