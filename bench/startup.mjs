#!/usr/bin/env node
// The CLI's start-up as a ratio to Node's own: the median of N runs each of `--help`, `list` and
// `node -e 0`, interleaved so the machine's noise falls on all of them alike. The targets: --help
// and list ≤ 1.3× `node -e 0` (issue 10); a no-change `release` ≤ 2.5× (issue 14).
//
//   node bench/startup.mjs [runs] [--release] [--node <path to another node binary>]
//
// --release adds a no-change `release` of the example project (this repository's own config:
// build it once first, with an engine running) through the bin, which loads the bundle
// (dist/cli/), and the same through tsc's output (dist/lib/cli.js) for comparison. On Node ≥ 22.1
// the bin turns on Node's compile cache; `release, no compile cache` runs the bin without it.
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const bin = path.join(repo, 'bin/pypackage-tasks.js')
/** tsc's output loaded as the bin loaded it before the bundle. */
const unbundled = `const { main } = await import(${JSON.stringify(path.join(repo, 'dist/lib/cli.js'))}); await main(process.argv.slice(1))`

export function measureStartup(runs = 21, { release = false, node = process.execPath } = {}) {
  const cmds = { '--help': [bin, '--help'], list: [bin, 'list'], node: ['-e', '0'] }
  if (release) {
    cmds.release = [bin, 'release']
    cmds['release, tsc output'] = ['--input-type=module', '-e', unbundled, 'release']
    if (compileCacheAvailable(node)) cmds['release, no compile cache'] = [bin, 'release']
  }
  const times = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]))
  for (let i = 0; i < runs; i++) {
    for (const [name, argv] of Object.entries(cmds)) {
      const env = name.endsWith('no compile cache') ? { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' } : process.env
      const t = process.hrtime.bigint()
      execFileSync(node, argv, { stdio: 'ignore', cwd: repo, env })
      times[name].push(Number(process.hrtime.bigint() - t) / 1e6)
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]))
}

function compileCacheAvailable(node) {
  return execFileSync(node, ['-p', "typeof require('node:module').enableCompileCache"], { encoding: 'utf8' }).trim() === 'function'
}

export function startupLines(s) {
  const ratio = (k) => s[k] / s.node
  const ok = Math.max(ratio('--help'), ratio('list')) <= 1.3
  const lines = [
    `CLI start-up (medians): --help ${s['--help'].toFixed(0)} ms, list ${s.list.toFixed(0)} ms, node -e 0 ${s.node.toFixed(0)} ms`,
    `  --help, list ≤ 1.3× node -e 0:  ${ratio('--help').toFixed(2)}× / ${ratio('list').toFixed(2)}× ${ok ? 'met' : 'MISSED'}`,
  ]
  for (const k of Object.keys(s).filter((k) => k.startsWith('release'))) {
    const target = k === 'release' ? ` ${ratio(k) <= 2.5 ? 'met' : 'MISSED'} (≤ 2.5×)` : ''
    lines.push(`  no-change ${k}: ${s[k].toFixed(0)} ms = ${ratio(k).toFixed(2)}× node -e 0${target}`)
  }
  return lines
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const at = args.indexOf('--node')
  const node = at >= 0 ? path.resolve(args[at + 1]) : process.execPath
  const runs = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--node') ?? 21)
  console.log(`node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}, ${runs} runs each, interleaved`)
  console.log(startupLines(measureStartup(runs, { release: args.includes('--release'), node })).join('\n'))
}
