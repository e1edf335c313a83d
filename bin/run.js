#!/usr/bin/env -S node --initial-heap-size=64
// --initial-heap-size: the CLI's long-lived heap (oclif, the commands) sits just above the size
// at which V8 keeps re-marking the old generation while large bodies stream through; a larger
// initial heap removes ~16 full GCs per 256 MiB download (bench/RESULTS.md).
import { execute } from '@oclif/core'

await execute({ dir: import.meta.url })
