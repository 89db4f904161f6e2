#!/usr/bin/env node
// Thin entry: all behaviour lives in lib/ (compiled to dist/ by `npm install`/`npm run build`).
// --help, list and <task> --help are answered from dist/help.json, which the build renders with
// the CLI itself (a unit test keeps it equal): no library to load, so they cost little more than
// Node's own start. Anything else, or no cache, goes to the CLI: the bundle the build makes of it
// (dist/cli/cli.mjs, a few files to load instead of ~140 modules; tools/bundle.mjs), or tsc's
// output when only tsc has run.
import { existsSync, readFileSync } from 'node:fs'

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
  const bundle = new URL('../dist/cli/cli.mjs', import.meta.url)
  const { main } = await import(existsSync(bundle) ? bundle.href : '../dist/lib/cli.js')
  await main(argv)
}
