import type { Hook } from '@oclif/core'
import { unknownCommandError } from './usage-error.js'

/**
 * oclif's `command_not_found` hook: `devproxy strat` gets "did you mean `devproxy start`?" and
 * `devproxy fault nonsense` (which oclif reads as the command `fault:nonsense`) gets "devproxy
 * fault takes no arguments", instead of "command not found". @oclif/plugin-not-found does the
 * first half, but 4.x needs Node 22 and 3.x asks in a terminal and suggests nothing in a pipe.
 */
const hook: Hook<'command_not_found'> = async function ({ id, argv, config }) {
  throw unknownCommandError(id, argv ?? [], config.commands.filter((command) => !command.hidden), config.bin)
}

export default hook
