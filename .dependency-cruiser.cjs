/**
 * Which folder of src/ may import which (issues 19 and 29). Checked by
 * test/unit/dependency-rules.test.ts on every `npm test`, which also shows each rule firing on a
 * fixture src/ that breaks it (test/fixtures/dependency-rules/); by hand: `npx depcruise src`.
 *
 * The picture the rules hold, bottom up: errors.ts; config (the skeleton) and tls; the engine
 * (src/proxy, whose parts listen → admit → route → exchange → upstream → respond are entered
 * from outside only through src/proxy/index.ts); the features that plug into it (faults, mocks,
 * hooks, record, log, metrics), the local API's plumbing (local-api) and the two parts served on
 * it (control, inspector), which never import each other; then the composition roots
 * (start-proxy.ts, start-control.ts, features.ts, index.ts) and the CLI (cli, commands) on top.
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
      name: 'no-circular-folders',
      comment:
        'No two folders import each other, even through others and with no cycle between files: ' +
        'src/<folder>/ among themselves and the parts of src/proxy (src/proxy/<part>/) among ' +
        'themselves. A folder is read as one thing, so a cycle of folders is one knot. (Each ' +
        'file counts for every folder it is in: src/proxy/listen/plain.ts for src/proxy/listen ' +
        'and src/proxy.)',
      severity: 'error',
      scope: 'folder',
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
        'src/proxy is the core; faults, recording, mocks, hooks, logging, metrics, control, the ' +
        'inspector and the rest plug into it (src/start-proxy.ts puts them together), not the ' +
        'other way round. It imports config (the skeleton), errors.ts, cookies (a leaf parser of ' +
        'Cookie fields) and, through its listener, tls; any other folder of src/ is a feature, a new one included.',
      severity: 'error',
      from: { path: '^src/proxy/' },
      to: { path: '^src/', pathNot: '^src/(proxy|config|tls|cookies)/|^src/errors\\.ts$' },
    },
    {
      name: 'proxy-reaches-tls-through-listen',
      comment:
        'Certificates are the listener\'s business: src/proxy/listen is the one part of the ' +
        'engine that imports src/tls (the CA, the leaf cache); the rest of the walk never sees it.',
      severity: 'error',
      from: { path: '^src/proxy/', pathNot: '^src/proxy/listen/' },
      to: { path: '^src/tls/' },
    },
    {
      name: 'proxy-entered-through-index',
      comment:
        'src/proxy/index.ts is the engine\'s public surface: every module outside src/proxy imports ' +
        'the engine from it and nowhere deeper, so its parts can move without touching a feature.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/proxy/' },
      to: { path: '^src/proxy/', pathNot: '^src/proxy/index\\.ts$' },
    },
    {
      name: 'proxy-parts-below-the-top',
      comment:
        'The files at the top of src/proxy (server, engine, handle-request, handle-upgrade, ' +
        'index) put the parts together; a part (src/proxy/<part>/) never imports them back.',
      severity: 'error',
      from: { path: '^src/proxy/[^/]+/' },
      to: { path: '^src/proxy/[^/]+\\.ts$' },
    },
    {
      name: 'config-imports-no-feature',
      comment:
        'src/config is the skeleton (listen, routes, what the engine reads) and the machinery ' +
        'that applies the features\' own config (ConfigFeature); each feature declares its part ' +
        'and src/features.ts lists them. config imports nothing of src/ but errors.ts and terminal ' +
        '(a leaf: text measured in columns, for the caret under a config error).',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/(config|terminal)/|^src/errors\\.ts$' },
    },
    {
      name: 'control-and-inspector-apart',
      comment:
        'The control API and the inspector share a port, not code: what both need is in ' +
        'src/local-api, and src/start-control.ts puts the inspector on the control server.',
      severity: 'error',
      from: { path: '^src/(control|inspector)/' },
      to: { path: '^src/(control|inspector)/', pathNot: '^src/$1/' },
    },
    {
      name: 'inspector-imports-no-cli',
      comment:
        'The inspector answers a browser; how the terminal shows things (cli, commands) is not ' +
        'its business, and a shared wording belongs to the feature it describes.',
      severity: 'error',
      from: { path: '^src/inspector/' },
      to: { path: '^src/(cli|commands)/' },
    },
    {
      name: 'composition-roots-on-top',
      comment:
        'start-proxy.ts, start-control.ts, features.ts and index.ts put the folders together; ' +
        'only the commands, the library API (src/api) and each other import them. The folder rule cannot see these files ' +
        '(they sit in src/ itself), so this keeps them out of any knot.',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: '^src/(commands|api)/' },
      to: { path: '^src/(start-proxy|start-control|features|index)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too: `import type` from a forbidden folder still ties
    // the two together, though compiling erases it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Folder-level rules (scope: 'folder') need the folder graph, which comes with the metrics.
    metrics: true,
  },
}
