#!/usr/bin/env node
// Side by side: the wheels stage of a one-line app change, built in a fresh builder container
// (engine.warmBuilder false) and in the warm one (the default). Two copies of the example, one per
// variant; runs alternate; medians of the wheels stage and of the whole `build`. `--archives`: both
// as on an engine without this disk (engine.sharedDisk false: the fresh container gets the sources,
// the offline index and the previous wheelhouse copied in on every build).
//
//   node bench/warm-builder.mjs [--reps 7] [--archives] [--keep]
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(repo, 'bin/pypackage-tasks.js')
const args = process.argv.slice(2)
const reps = Number(args[args.indexOf('--reps') + 1] || 7)
const work = path.join(os.tmpdir(), 'pypackage-warm-bench')
const variants = ['cold', 'warm']
const ns = (v) => `bench-warm-${v}`

if (!existsSync(path.join(repo, '.cache/pyindex'))) {
  console.error('the offline index is missing: run `bash .ci/setup.sh` first')
  process.exit(1)
}

/** `pypackage-tasks <task> --json` in `dir`: its time and the wheels stage's (task:done of node wheels). */
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
  return { seconds, stage: (done?.ms ?? NaN) / 1000, builder: done?.data?.builder }
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
  config.engine = { ...config.engine, warmBuilder: v === 'warm', ...(args.includes('--archives') ? { sharedDisk: false } : {}) }
  writeFileSync(path.join(dir, '.pypackagerc.json'), JSON.stringify(config, null, 2))
  run(dir, 'build')
}

const results = { cold: [], warm: [] }
const views = (v) => path.join(dirs[v], 'example/polls/views.py')
try {
  for (let rep = 0; rep < reps; rep++) {
    for (const v of rep % 2 ? [...variants].reverse() : variants) {
      writeFileSync(views(v), `${readFileSync(views(v), 'utf8').replace(/\n# bench .*\n$/, '\n')}# bench ${process.pid}-${rep}\n`)
      const r = run(dirs[v], 'build')
      results[v].push(r)
      console.log(`rep ${rep + 1}/${reps} ${v} build ${r.seconds.toFixed(2)} s, wheels ${r.stage.toFixed(3)} s (${r.builder})`)
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
console.log(`warm / cold: wheels stage ${(med('warm', 'stage') / med('cold', 'stage')).toFixed(2)}×, build ${(med('warm', 'seconds') / med('cold', 'seconds')).toFixed(2)}×`)
