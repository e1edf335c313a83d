/**
 * Which folder of src/ may import which (issue 19). Checked by test/unit/dependency-rules.test.ts
 * on every `npm test`; by hand: `npx depcruise src`.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'A cycle makes load order matter and keeps two modules from being understood apart. ' +
        'Type-only imports count too (there are none in a cycle today).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'errors-import-nothing',
      comment: 'Every layer imports src/errors.ts, so it imports nothing: not even a type.',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: {},
    },
    {
      name: 'diff-stays-pure',
      comment:
        'src/diff is pure comparison used by both the log and devproxy diff; it knows nothing of ' +
        'who shows its results or where bodies come from.',
      severity: 'error',
      from: { path: '^src/diff/' },
      to: { path: '^src/(log|record|proxy|cli|commands)/' },
    },
    {
      name: 'proxy-imports-no-feature',
      comment:
        'src/proxy is the core; faults, recording, mocks, hooks, logging, metrics and control plug ' +
        'into it (src/start-proxy.ts puts them together), not the other way round.',
      severity: 'error',
      from: { path: '^src/proxy/' },
      to: { path: '^src/(faults|record|mocks|hooks|metrics|log|control|cli|commands)/|^src/start-proxy\\.ts$' },
    },
    {
      name: 'no-circular-folders',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    metrics: true,
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too: `import type` from a forbidden folder still ties
    // the two together, though compiling erases it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
}
