/**
 * Builds the inspector's browser UI (issue 20) into dist/inspector-ui/, which the control server
 * serves under /inspector/. `npm run build:inspector`.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/inspector/',
  // Preact's automatic JSX runtime through Vite 8's own transformer: no Babel, no preset plugin.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    // Not dist/inspector/: tsc puts the server's src/inspector there.
    outDir: fileURLToPath(new URL('../dist/inspector-ui/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One entry chunk and no dynamic imports: the preload polyfill would be dead weight.
    modulePreload: { polyfill: false },
  },
})
