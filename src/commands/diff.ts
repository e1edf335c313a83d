import { Flags } from '@oclif/core'
import { DevproxyCommand } from '../cli/devproxy-command.js'
import { harFileArg } from '../cli/har-file-arg.js'
import { DevproxyError } from '../errors.js'
import type { HarDiff } from '../record/har-diff.js'

export default class Diff extends DevproxyCommand {
  static override summary = 'Compare two HAR recordings endpoint by endpoint.'
  static override description = `Groups the requests of each recording by endpoint (method, path and query; parameter order and cache-busters such as _ or ts do not count) and lists the endpoints added, removed and changed. For an endpoint in both files, the last call of each is compared: status, response headers (date, age, expires, last-modified, x-request-id, via, keep-alive, connection, transfer-encoding and content-length are left out: they change between runs without the API changing) and response body (JSON structurally, text line by line, binary by size and hash). A different number of calls is a change too.

Reads recordings the recorder never finished (killed, crashed), with a warning.

Exit codes: 0 when the recordings are equal, 1 when they differ, 2 when a file is missing or is not a HAR file, or an --ignore is neither a header name nor a JSON path — usable in CI.`

  static override examples = [
    { description: 'What changed between two runs of the same flow', command: '<%= config.bin %> <%= command.id %> before.har after.har' },
    { description: 'Leave out a header and a field that change on every call', command: "<%= config.bin %> <%= command.id %> before.har after.har --ignore etag --ignore '$.requestId'" },
    { description: 'Fields at any depth, or in every item of a list', command: "<%= config.bin %> <%= command.id %> a.har b.har --ignore '$..updatedAt' --ignore '$.items[*].id'" },
    { description: 'The differences as JSON, for tools', command: '<%= config.bin %> <%= command.id %> a.har b.har --json' },
  ]

  static override args = {
    a: harFileArg({ description: 'The recording to compare from (before).', required: true }),
    b: harFileArg({ description: 'The recording to compare to (after).', required: true }),
  }

  // Not enableJsonFlag: oclif would print the exit that signals "different" as an error object after the result.
  static override flags = {
    ignore: Flags.string({ summary: 'Header name or JSON path to leave out of the comparison; repeatable.', helpValue: 'NAME|$.PATH', multiple: true, multipleNonGreedy: true }),
    json: Flags.boolean({ summary: 'Print the differences as JSON ({endpoints, equal}).' }),
  }

  async run(): Promise<HarDiff> {
    const { args, flags } = await this.parse(Diff)
    const [{ readHarFile }, { diffHars, formatHarDiff }, { createLogger }, { assertIgnoreRules }] = await Promise.all([
      import('../record/har-read.js'),
      import('../record/har-diff.js'),
      import('../log/logger.js'),
      import('../diff/ignore-rule.js'),
    ])
    const { palette } = createLogger()
    let diff: HarDiff
    try {
      assertIgnoreRules(flags.ignore ?? [], '--ignore')
      const [a, b] = [await readHarFile(args.a), await readHarFile(args.b)]
      for (const [file, read] of [[args.a, a], [args.b, b]] as const) {
        if (read.complete) continue
        const entries = read.har.log.entries.length
        const cut = read.dropped > 0 ? `, ${read.dropped} cut off` : ''
        this.logToStderr(palette.dim(`${file} was not finalized (recorder stopped early): read ${entries} ${entries === 1 ? 'entry' : 'entries'}${cut}`))
      }
      diff = diffHars(a.har, b.har, { ignore: flags.ignore ?? [] })
    } catch (error) {
      if (!(error instanceof DevproxyError)) throw error
      this.error(error, { exit: 2 })
    }
    if (flags.json) this.log(JSON.stringify(diff, null, 2))
    else for (const line of formatHarDiff(diff, palette)) this.log(line)
    if (!diff.equal) this.exit(1)
    return diff
  }
}
