import { readFile } from 'node:fs/promises'
import { checkCanWrite } from '../cli/writable-file.js'
import type { ResolvedConfig } from '../config/types.js'
import { RecordingError } from '../errors.js'
import { parseRecordFilters } from '../record/filter.js'
import { DEFAULT_REDACT } from '../record/har-entry.js'
import { startRecorder, type Recorder } from '../record/recorder.js'

/**
 * `startProxy({ record: { file } })`: a HAR recording as `devproxy record --out` makes it, with
 * the config's `record` settings (secrets redacted, bodies up to `record.maxBodyBytes`). As the
 * command does, the file is checked before the proxy listens and opened once it does, so a
 * proxy that fails to start leaves no file behind.
 */
export async function checkRecordingFile(file: string): Promise<void> {
  await checkCanWrite(file).catch((error: unknown) => {
    throw new RecordingError(file, error)
  })
}

export async function openRecording(file: string, config: ResolvedConfig, onError: (error: unknown) => void): Promise<Recorder> {
  return startRecorder({
    file,
    creatorVersion: await ownVersion(),
    redact: new Set([...DEFAULT_REDACT, ...config.record.redact]),
    maxBodyBytes: config.record.maxBodyBytes,
    filter: parseRecordFilters([]),
    onError,
  })
}

/** This package's version, for the HAR's `creator` (dist/api/ and src/api/ are both two levels down). */
async function ownVersion(): Promise<string> {
  const text = await readFile(new URL('../../package.json', import.meta.url), 'utf8').catch(() => '{}')
  return (JSON.parse(text) as { version?: string }).version ?? '0.0.0'
}
