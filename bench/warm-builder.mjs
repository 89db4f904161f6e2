#!/usr/bin/env node
// Side by side: the wheels stage of a one-line app change, built in a fresh builder container
// (engine.warmBuilder false) and in the warm one (the default), the wheel built by its backend in
// both (engine.patchWheels false). Two copies of the example, one per
// variant; runs alternate; medians of the wheels stage and of the whole `build`. `--archives`: both
// as on an engine without this disk (engine.sharedDisk false: the fresh container gets the sources,
// the offline index and the previous wheelhouse copied in on every build).
//
//   node bench/warm-builder.mjs [--reps 7] [--archives] [--keep]
import { alternateBuilds, exampleCopy, repsArg, requireIndex, runJson } from './common.mjs'
import os from 'node:os'
import path from 'node:path'

const args = process.argv.slice(2)
const reps = repsArg(args, 7)
const work = path.join(os.tmpdir(), 'pypackage-warm-bench')
const variants = ['cold', 'warm']
const ns = (v) => `bench-warm-${v}`
requireIndex()

/** `pypackage-tasks <task> --json` in `dir`: its time and the wheels stage's (task:done of node wheels). */
function run(dir, task) {
  const { seconds, events } = runJson(dir, task)
  const done = events.find((e) => e.type === 'task:done' && e.id === 'wheels')
  return { seconds, stage: (done?.ms ?? NaN) / 1000, builder: done?.data?.builder }
}

const dirs = {}
for (const v of variants) {
  const dir = (dirs[v] = exampleCopy(path.join(work, v), ns(v), (config) => {
    config.engine = { ...config.engine, patchWheels: false, warmBuilder: v === 'warm', ...(args.includes('--archives') ? { sharedDisk: false } : {}) }
  }))
  run(dir, 'build')
}

alternateBuilds({ variants, dirs, reps, keep: args.includes('--keep'), run: (dir) => run(dir, 'build'), line: (r) => r.builder })
