import { Flags } from '@oclif/core'

/** `--config` for the commands that talk to a running proxy (fault, status): which one to find. */
export const runningProxyConfigFlag = () =>
  Flags.string({
    char: 'c',
    summary: 'The config file the proxy was started with.',
    helpValue: 'PATH',
    description: 'Finds the proxy started from that file\'s directory. Default: the current directory (or a parent).',
  })
