#!/usr/bin/env node
// Side by side: the same one-line app change released by appending the app layer (a project with
// the built-in release Dockerfile) and by the Docker build (the same project, its release
// Dockerfile with one comment line more, so `plan` says no-append: own-dockerfile). Runs alternate;
// medians of the whole `release` and of its release-image stage, and their ratios.
//
//   node bench/append-vs-build.mjs [--reps 7] [--keep]
import { repsArg, requireIndex, exampleCopy, runJson } from './common.mjs'
import { execFileSync, spawnSync } from 'node:child_process'
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const args = process.argv.slice(2)
const reps = repsArg(args, 7)
const work = path.join(os.tmpdir(), 'pypackage-append-bench')
const variants = ['append', 'build']
const ns = (v) => `bench-append-${v}`
requireIndex()

function release(dir) {
  const { seconds, events } = runJson(dir, 'release')
  const stage = events.find((e) => e.type === 'task:done' && e.id === 'image:release')?.ms
  const why = events.find((e) => e.type === 'task:start' && e.id === 'image:release')?.why
  return { seconds, stage: stage / 1000, why: why ? [why.is, why.because].filter(Boolean).join(' ') : 'skipped' }
}

const dirs = {}
for (const v of variants) {
  const dir = (dirs[v] = exampleCopy(path.join(work, v), ns(v), (_, copy) => {
    if (v === 'build') appendFileSync(path.join(copy, 'docker/release/Dockerfile'), '# the side-by-side: built, not appended\n')
  }))
  release(dir)
}

const results = { append: [], build: [] }
const views = (v) => path.join(dirs[v], 'example/polls/views.py')
try {
  for (let rep = 0; rep < reps; rep++) {
    for (const v of rep % 2 ? [...variants].reverse() : variants) {
      // A text never released before: the wheel changes, and no earlier image holds it.
      writeFileSync(views(v), readFileSync(views(v), 'utf8').replace(/CHECKSUM_INPUT = b"[^"]*"/, `CHECKSUM_INPUT = b"pollsite ${process.pid}-${rep}"`))
      const r = release(dirs[v])
      results[v].push(r)
      console.log(`rep ${rep + 1}/${reps} ${v.padEnd(6)} release ${r.seconds.toFixed(2)} s, release image ${r.stage.toFixed(2)} s (${r.why})`)
    }
  }
} finally {
  if (!args.includes('--keep')) {
    for (const v of variants) {
      // The project's warm builder and appender stay between builds by design: not after the benchmark.
      const warm = execFileSync('docker', ['ps', '-aq', '--filter', `label=pypackage-tasks.project=${ns(v)}/pollsite`], { encoding: 'utf8' }).trim()
      if (warm) spawnSync('docker', ['rm', '-f', ...warm.split('\n')], { stdio: 'ignore' })
      const ids = execFileSync('docker', ['images', '-q', '--filter', `reference=${ns(v)}/*`], { encoding: 'utf8' }).trim()
      if (ids) spawnSync('docker', ['rmi', '-f', ...new Set(ids.split('\n'))], { stdio: 'ignore' })
    }
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const med = (v, key) => median(results[v].map((r) => r[key]))
for (const v of variants) console.log(`${v}: median release ${med(v, 'seconds').toFixed(2)} s, release image ${med(v, 'stage').toFixed(2)} s`)
console.log(`append / build: release ${(med('append', 'seconds') / med('build', 'seconds')).toFixed(2)}×, release image ${(med('append', 'stage') / med('build', 'stage')).toFixed(2)}×`)
