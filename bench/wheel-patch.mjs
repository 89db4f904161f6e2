#!/usr/bin/env node
// Side by side: the wheels stage of a one-line edit of example/polls/views.py, the app wheel
// patched in Node (engine.patchWheels, the default) and built by setuptools in the warm builder
// (engine.patchWheels false). Two copies of the example, one per variant; runs alternate; medians
// of the wheels stage and of the whole `build`, and their ratio.
//
//   node bench/wheel-patch.mjs [--reps 7] [--keep]
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(repo, 'bin/pypackage-tasks.js')
const args = process.argv.slice(2)
const reps = Number(args[args.indexOf('--reps') + 1] || 7)
const work = path.join(os.tmpdir(), 'pypackage-patch-bench')
const variants = ['backend', 'patch']
const ns = (v) => `bench-patch-${v}`

if (!existsSync(path.join(repo, '.cache/pyindex'))) {
  console.error('the offline index is missing: run `bash .ci/setup.sh` first')
  process.exit(1)
}

/** `pypackage-tasks <task> --json` in `dir`: its time, the wheels stage's, and what the stage did. */
function run(dir, task) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [bin, task, '--json'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 64 << 20 })
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.status !== 0) throw new Error(`${task} failed in ${dir}:\n${r.stdout.slice(-3000)}\n${r.stderr}`)
  const events = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
  const done = events.find((e) => e.type === 'task:done' && e.id === 'wheels')
  const did = done?.data?.patched?.length ? 'patched' : `built (${done?.data?.builder})`
  return { seconds, stage: (done?.ms ?? NaN) / 1000, did }
}

const dirs = {}
for (const v of variants) {
  const dir = (dirs[v] = path.join(work, v))
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const p of ['example', 'docker']) cpSync(path.join(repo, p), path.join(dir, p), { recursive: true })
  const config = JSON.parse(readFileSync(path.join(repo, '.pypackagerc.json'), 'utf8'))
  delete config.$schema
  Object.assign(config, { namespace: ns(v) })
  config.pip.findLinks = [path.join(repo, '.cache/pyindex')]
  config.engine = { ...config.engine, patchWheels: v === 'patch' }
  writeFileSync(path.join(dir, '.pypackagerc.json'), JSON.stringify(config, null, 2))
  run(dir, 'build')
}

const results = { backend: [], patch: [] }
const views = (v) => path.join(dirs[v], 'example/polls/views.py')
try {
  for (let rep = 0; rep < reps; rep++) {
    for (const v of rep % 2 ? [...variants].reverse() : variants) {
      writeFileSync(views(v), `${readFileSync(views(v), 'utf8').replace(/\n# bench .*\n$/, '\n')}# bench ${process.pid}-${rep}\n`)
      const r = run(dirs[v], 'build')
      results[v].push(r)
      console.log(`rep ${rep + 1}/${reps} ${v} build ${r.seconds.toFixed(2)} s, wheels ${r.stage.toFixed(3)} s (${r.did})`)
    }
  }
} finally {
  if (!args.includes('--keep')) for (const v of variants) spawnSync(process.execPath, [bin, 'clean'], { cwd: dirs[v], stdio: 'ignore' })
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const med = (v, key) => median(results[v].map((r) => r[key]))
for (const v of variants) console.log(`${v}: median build ${med(v, 'seconds').toFixed(2)} s, wheels stage ${med(v, 'stage').toFixed(3)} s`)
console.log(`patch / backend: wheels stage ${(med('patch', 'stage') / med('backend', 'stage')).toFixed(2)}×, build ${(med('patch', 'seconds') / med('backend', 'seconds')).toFixed(2)}×`)
