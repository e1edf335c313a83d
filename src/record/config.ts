import { listOf, must, nonNegativeInteger, objectOf, TOKEN } from '../config/checks.js'
import type { ConfigFeature } from '../config/feature.js'

/**
 * `devproxy record` keeps bodies up to this size: typical dev assets whole (a pre-bundled
 * lodash-es is 1.5 MB). Each body being recorded holds up to this much memory until its
 * transaction finishes.
 */
export const DEFAULT_RECORD_BODY_BYTES = 8 * 1024 * 1024

/**
 * The `record` setting of proxy.config.ts (types: config-types.ts). The recorder is set up once,
 * at start: a reload that changes it says it waits for a restart.
 */
export const recordConfig: ConfigFeature<'record'> = {
  name: 'record',
  settings: {
    record: {
      check: objectOf({
        expected: 'must be an object such as { redact: ["x-session"], maxBodyBytes: 1048576 }',
        fields: {
          redact: listOf(must('must be a header name', (value) => typeof value === 'string' && TOKEN.test(value)), 'must be a non-empty array of header names such as ["x-session"]'),
          maxBodyBytes: nonNegativeInteger(),
        },
      }),
      resolve: ({ record }) =>
        Object.freeze({
          redact: Object.freeze((record?.redact ?? []).map((name) => name.toLowerCase())),
          maxBodyBytes: record?.maxBodyBytes ?? DEFAULT_RECORD_BODY_BYTES,
        }),
      reload: 'restart',
      rows: [
        ['record.redact', (record) => (record.redact.length === 0 ? 'none' : record.redact.join(', '))],
        ['record.maxBodyBytes', (record) => String(record.maxBodyBytes)],
      ],
    },
  },
  types: [{ url: new URL('./config-types', import.meta.url) }],
}
