#!/usr/bin/env node
// Thin entry: all behaviour lives in lib/ (compiled to dist/ by `npm install`/`npm run build`).
// --help, list and <task> --help are answered from dist/help.json, which the build renders with
// the CLI itself (a unit test keeps it equal): no library to load, so they cost little more than
// Node's own start. Anything else, or no cache, goes to the CLI: the bundle the build makes of it
// (dist/cli/cli.mjs, a few dozen files to load instead of ~240 modules; tools/bundle.mjs), or tsc's
// output when only tsc has run since.
import { readFileSync, statSync } from 'node:fs'

const argv = process.argv.slice(2)
let answer
try {
  answer = JSON.parse(readFileSync(new URL('../dist/help.json', import.meta.url), 'utf8'))[argv.join('\0')]
} catch {
  answer = undefined
}
if (typeof answer === 'string') {
  // A reader that stops early (`--help | head -3`) is not an error.
  process.stdout.on('error', (e) => {
    if (e.code !== 'EPIPE') throw e
  })
  process.stdout.write(answer)
} else {
  // Node ≥ 22.1 keeps V8's compiled code for the modules that follow (in the OS's temp folder), so
  // later runs skip most of their parsing; older Nodes have no such thing.
  // Imported here: --help and list do not pay for it.
  const { enableCompileCache } = await import('node:module')
  enableCompileCache?.()
  // The bundle unless tsc ran after it (`tsc` alone, not `npm run build`): then tsc's output.
  const [bundle, compiled] = ['../dist/cli/cli.mjs', '../dist/lib/cli.js'].map((f) => new URL(f, import.meta.url))
  const built = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? -1
  const useBundle = built(bundle) >= built(compiled)
  // The bundle holds our dependencies' code outside node_modules, where Node no longer spares them
  // its deprecation warnings (Node 24: url.parse() in docker-modem, on every tcp:// engine). Nothing
  // a user of the CLI can act on, and printed before our own error line: not printed.
  if (useBundle) process.noDeprecation = true
  const load = (bundled, compiled) => import(new URL(useBundle ? bundled : compiled, import.meta.url).href)
  // A release that changes nothing is answered from its record after one look (lib/replay/), when it has one.
  const { replay } = await load('../dist/cli/replay.mjs', '../dist/lib/replay/answer.js')
  const replayed = await replay(argv)
  if (replayed !== undefined) process.exitCode = replayed
  else await (await load('../dist/cli/cli.mjs', '../dist/lib/cli.js')).main(argv)
}
