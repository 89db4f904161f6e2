#!/usr/bin/env node
// The CLI as the bin loads it: tsc's dist/lib/cli.js and everything it imports, dependencies
// included, bundled by esbuild into dist/cli/ — cli.mjs for start-up and a chunk per dynamic
// import(), so build-only code (wheels, app layer, push, serve, listr2, tar-stream…) stays lazy.
// A no-change run then loads a few dozen files instead of ~90 of ours and ~150 of its CommonJS
// dependencies. `npm run build` runs it after tsc; tests and scripts/ keep using dist/lib/.
import { build } from 'esbuild'
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outdir = path.join(repo, 'dist/cli')

/**
 * `new URL('<relative>', import.meta.url)` in tsc's output (schema/, docker/, help.json,
 * package.json) made relative to the bundle's folder, where the code now runs from.
 */
const relocateUrls = {
  name: 'relocate-import-meta-urls',
  setup(b) {
    b.onLoad({ filter: /[/\\]dist[/\\]lib[/\\].*\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8')
      const contents = text.replace(/new URL\((['"])([^'"]+)\1, import\.meta\.url\)/g, (_, q, rel) => {
        const target = path.resolve(path.dirname(args.path), rel)
        return `new URL(${q}${path.relative(outdir, target).split(path.sep).join('/')}${q}, import.meta.url)`
      })
      return { contents, loader: 'js' }
    })
  },
}

/**
 * dockerode's BuildKit session (gRPC) and docker-modem's ssh:// transport (ssh2) each export one
 * function, needed only for a BuildKit build or an ssh:// engine, and required as the packages
 * load: here each is a stand-in that requires the installed module on its first call (what
 * lib/docker/client.ts's deferHeavyParts does through require's cache for tsc's output, and
 * skips in the bundle).
 * dockerode's BuildKit progress decoder (protobufjs) is required only when used: it stays a
 * require of the installed module. All three read files next to themselves (.proto) or load
 * native addons, which a bundle could not hold.
 */
const lazyParts = {
  name: 'lazy-dockerode-parts',
  setup(b) {
    const parts = [
      ['dockerode', './session', 'function'],
      ['docker-modem', './ssh', 'function'],
      ['dockerode', './buildkit', 'module'],
    ]
    b.onResolve({ filter: /^\.\/(session|buildkit|ssh)$/ }, (args) => {
      const part = parts.find(([p, request]) => request === args.path && args.importer.includes(`/node_modules/${p}/lib/`))
      return part && { path: `${part[0]}/lib/${args.path.slice(2)}.js`, namespace: 'lazy-part', pluginData: part[2] }
    })
    b.onLoad({ filter: /.*/, namespace: 'lazy-part' }, (args) => {
      // docker-modem is dockerode's dependency: resolved from dockerode's folder, as node would.
      const load = `require(require.resolve(${JSON.stringify(args.path)}, { paths: [require.resolve('dockerode')] }))`
      const contents = args.pluginData === 'function' ? `let real\nmodule.exports = function (...a) {\n  real ??= ${load}\n  return real.apply(this, a)\n}\n` : `module.exports = ${load}\n`
      return { contents, loader: 'js' }
    })
  },
}

await rm(outdir, { recursive: true, force: true })
await build({
  // replay: the bin's first try for a release that changes nothing (lib/replay/answer.ts), apart so it loads little.
  entryPoints: { cli: path.join(repo, 'dist/lib/cli.js'), replay: path.join(repo, 'dist/lib/replay/answer.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  // The dependencies too: as CommonJS each file costs node a resolve, a read and a wrapper
  // (measured: ~55 ms off a no-change release of ~250 ms; bundling only ours gained nothing).
  // TypeScript is cosmiconfig's, for a .ts config only: from the project's own install.
  packages: 'bundle',
  external: ['typescript'],
  // CommonJS dependencies inside an ES module call require(): this is the bundle's own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  // lib/docker/client.ts then skips its require-cache stand-ins: the bundle has its own.
  define: { PYPACKAGE_BUNDLE: 'true' },
  logLevel: 'warning',
  plugins: [relocateUrls, lazyParts],
})
