import { issue, listOf, objectOf, oneOf, type ConfigIssue } from '../config/checks.js'
import type { ConfigFeature } from '../config/feature.js'
import { ignoreRuleError } from '../diff/ignore-rule.js'

/**
 * The `log` setting of proxy.config.ts (types: config-types.ts). The log is set up once, at
 * start: a reload that changes it says it waits for a restart.
 */
export const logConfig: ConfigFeature<'log'> = {
  name: 'log',
  settings: {
    log: {
      check: objectOf({
        expected: 'must be an object such as { diff: "headers", ignore: ["date", "$.requestId"] }',
        fields: {
          diff: oneOf(['none', 'headers', 'body']),
          ignore: listOf(checkIgnoreRule, 'must be a non-empty array of header names and JSON paths such as ["date", "$.requestId"]'),
        },
      }),
      resolve: ({ log }) => Object.freeze({ diff: log?.diff ?? 'none', ignore: Object.freeze([...(log?.ignore ?? [])]) }),
      reload: 'restart',
      rows: [
        ['log.diff', (log) => log.diff],
        ['log.ignore', (log) => (log.ignore.length === 0 ? 'none' : log.ignore.join(', '))],
      ],
    },
  },
  types: [{ url: new URL('./config-types', import.meta.url) }],
}

/** A header name or a JSON path: anything else would silently ignore nothing. */
function checkIgnoreRule(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (typeof value !== 'string' || value === '') {
    issues.push(issue(path, 'must be a header name or a JSON path such as "$.requestId"', value))
    return
  }
  const error = ignoreRuleError(value)
  if (error !== undefined) issues.push(issue(path, 'must be a header name or a JSON path such as "$.requestId"', value, error.suggestion))
}
