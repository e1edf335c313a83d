import { Flags } from '@oclif/core'

/** `--config` for the commands that talk to a running proxy (fault, status): which one to find. */
export const runningProxyConfigFlag = () =>
  Flags.string({
    char: 'c',
    summary: 'The config file the proxy was started with.',
    helpValue: 'PATH',
    description: 'Finds the proxies started from that file\'s directory and, with several there, the one started from that file. Default: the current directory (or a parent).',
  })

/** `--port` for fault and status: which proxy, when several run for the directory. */
export const runningProxyPortFlag = () =>
  Flags.integer({
    summary: 'The port of the proxy to talk to, when several run for this directory.',
    helpValue: 'PORT',
    description: 'The port the proxy listens on, as `devproxy status` lists them. Not needed when only one runs.',
    min: 1,
    max: 65_535,
  })
