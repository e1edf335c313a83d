import { Flags } from '@oclif/core'
import Start, { type CommandContext, type ExtraSinks } from './start.js'

export default class Record extends Start {
  static override summary = 'Start the proxy and record every transaction to a HAR file.'
  static override description = `Everything devproxy start does, plus a HAR 1.2 recording that opens in Chrome DevTools, Firefox and Charles and that devproxy replay and devproxy diff read.

Each entry is written before the last bytes of its response reach the client, so a client that has its answer has its entry in the file; a transaction that never delivers a whole response is written when it ends, marked with how it ended (_devproxy.ending) and whether its body is whole (_devproxy.truncated). Ctrl-C (or SIGTERM) lets requests in flight finish for up to 5 s, records what is still open as ending "shutdown", and finishes the file. If the process is killed outright, every entry written so far is still read by replay and diff (replay --repair rewrites the file finished).

Secrets are redacted by default: authorization, proxy-authorization, cookie, set-cookie, x-api-key and the config's record.redact headers are recorded as [REDACTED].`

  static override examples = [
    { description: 'Record to recordings/<timestamp>.har', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Name the file', command: '<%= config.bin %> <%= command.id %> --out checkout-flow.har' },
    { description: 'Only the API, only errors', command: "<%= config.bin %> <%= command.id %> --filter route=api --filter status=400-599" },
    { description: 'Record the demo', command: '<%= config.bin %> <%= command.id %> --demo --out demo.har' },
  ]

  static override flags = {
    ...Start.flags,
    out: Flags.string({ char: 'o', summary: 'HAR file to write.', helpValue: 'FILE.har', description: 'Default: recordings/<timestamp>.har in the current directory.' }),
    redact: Flags.boolean({ summary: 'Redact secret headers (on by default; --no-redact records them as they are).', default: true, allowNo: true }),
    'max-body': Flags.integer({ summary: 'Record bodies up to this many bytes each.', helpValue: 'BYTES', description: "Default: the config's record.maxBodyBytes, else 8388608 (8 MiB). A longer body is recorded cut and marked _devproxy.truncated; replay answers it 502 replay_truncated.", min: 0 }),
    filter: Flags.string({ summary: 'Record only matching transactions; repeatable (all must match).', helpValue: 'KEY=VALUE', description: 'route=api, method=GET,POST, path=/api/**, status=200-299 or status=5xx.', multiple: true }),
  }

  protected override async extraSinks({ flags, config, logger }: CommandContext): Promise<ExtraSinks> {
    const [{ resolve, relative }, { startRecorder }, { parseRecordFilters }, { DEFAULT_REDACT }, { createDeferredSink }, { checkCanWrite }, { RecordingError }] = await Promise.all([
      import('node:path'),
      import('../record/recorder.js'),
      import('../record/filter.js'),
      import('../record/har-entry.js'),
      import('../cli/deferred-sink.js'),
      import('../cli/writable-file.js'),
      import('../errors.js'),
    ])
    // Started again by the supervisor: the same file, gone on with (the default name has a time in it).
    const out = this.restart?.har ?? resolve(process.cwd(), (flags.out as string | undefined) ?? defaultOutFile())
    const redacting = flags.redact !== false
    const maxBodyBytes = (flags['max-body'] as number | undefined) ?? config.record.maxBodyBytes
    const filter = parseRecordFilters((flags.filter as string[] | undefined) ?? [], config.routes.map((route) => route.name))
    // Everything that can be checked before listening is; the file itself is opened once the proxy listens.
    await checkCanWrite(out).catch((error: unknown) => {
      throw new RecordingError(out, error)
    })
    this.tellSupervisor({ type: 'recording', file: out })
    if (!redacting) logger.warn('--no-redact: authorization headers and cookies are written to the recording as they are. Do not share it.')
    const shown = relative(process.cwd(), out).startsWith('..') ? out : relative(process.cwd(), out)
    const creatorVersion = this.config.version
    const resume = this.restart?.har !== undefined
    const deferred = createDeferredSink()
    let recorder: Awaited<ReturnType<typeof startRecorder>> | undefined
    return {
      sinks: [deferred.sink],
      captureBodyBytes: maxBodyBytes,
      banner: [logger.palette.warn(`  recording to ${shown}`) + logger.palette.dim(` (bodies up to ${binaryBytes(maxBodyBytes)}${redacting ? ', secrets redacted' : ''})`)],
      async open() {
        recorder = await startRecorder({
          file: out,
          creatorVersion,
          redact: new Set(redacting ? [...DEFAULT_REDACT, ...config.record.redact] : []),
          maxBodyBytes,
          filter,
          resume,
          onError: (error) => logger.error(`recording failed: ${(error as Error).message}`),
        })
        deferred.attach(recorder.sink)
      },
      async close() {
        // Never opened (the proxy did not start): no file, and nothing to report.
        if (recorder === undefined) return
        const count = await recorder.close()
        logger.info(logger.palette.dim(`recorded ${count} transaction${count === 1 ? '' : 's'} to ${shown}`))
      },
    }
  }
}

/** `16 MiB`, `64 KiB`, `1000 bytes`: as --max-body is usually given. */
function binaryBytes(bytes: number): string {
  if (bytes > 0 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`
  if (bytes > 0 && bytes % 1024 === 0) return `${bytes / 1024} KiB`
  return `${bytes} bytes`
}

/** `recordings/2026-11-23T10-03-22.har`: sortable, and valid on every file system. */
function defaultOutFile(): string {
  return `recordings/${new Date().toISOString().slice(0, 19).replaceAll(':', '-')}.har`
}
