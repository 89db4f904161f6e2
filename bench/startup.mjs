#!/usr/bin/env node
// The CLI's start-up as a ratio to Node's own: the median of N runs each of `--help`, `list` and
// `node -e 0`, interleaved so the machine's noise falls on all three alike. The target (issue 10):
// --help and list ≤ 1.3× `node -e 0`. Run alone (`node bench/startup.mjs`) or from bench/run.mjs.
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

export function measureStartup(runs = 21) {
  const cmds = { '--help': ['--help'], list: ['list'], node: null }
  const times = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]))
  for (let i = 0; i < runs; i++) {
    for (const [name, argv] of Object.entries(cmds)) {
      const t = process.hrtime.bigint()
      execFileSync(process.execPath, argv ? [path.join(repo, 'bin/pypackage-tasks.js'), ...argv] : ['-e', '0'], { stdio: 'ignore' })
      times[name].push(Number(process.hrtime.bigint() - t) / 1e6)
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]))
}

export function startupLines(s) {
  const ratio = (k) => s[k] / s.node
  const ok = Math.max(ratio('--help'), ratio('list')) <= 1.3
  return [
    `CLI start-up (medians): --help ${s['--help'].toFixed(0)} ms, list ${s.list.toFixed(0)} ms, node -e 0 ${s.node.toFixed(0)} ms`,
    `  --help, list ≤ 1.3× node -e 0:  ${ratio('--help').toFixed(2)}× / ${ratio('list').toFixed(2)}× ${ok ? 'met' : 'MISSED'}`,
  ]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(startupLines(measureStartup(Number(process.argv[2] ?? 21))).join('\n'))
