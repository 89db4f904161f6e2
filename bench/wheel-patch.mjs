#!/usr/bin/env node
// Side by side: the wheels stage of a one-line edit of example/polls/views.py, the app wheel
// patched in Node (engine.patchWheels, the default) and built by setuptools in the warm builder
// (engine.patchWheels false). Two copies of the example, one per variant; runs alternate; medians
// of the wheels stage and of the whole `build`, and their ratio.
//
//   node bench/wheel-patch.mjs [--reps 7] [--keep]
import { alternateBuilds, exampleCopy, repsArg, requireIndex, runJson } from './common.mjs'
import os from 'node:os'
import path from 'node:path'

const args = process.argv.slice(2)
const reps = repsArg(args, 7)
const work = path.join(os.tmpdir(), 'pypackage-patch-bench')
const variants = ['backend', 'patch']
const ns = (v) => `bench-patch-${v}`
requireIndex()

/** `pypackage-tasks <task> --json` in `dir`: its time, the wheels stage's, and what the stage did. */
function run(dir, task) {
  const { seconds, events } = runJson(dir, task)
  const done = events.find((e) => e.type === 'task:done' && e.id === 'wheels')
  const did = done?.data?.patched?.length ? 'patched' : `built (${done?.data?.builder})`
  return { seconds, stage: (done?.ms ?? NaN) / 1000, did }
}

const dirs = {}
for (const v of variants) {
  const dir = (dirs[v] = exampleCopy(path.join(work, v), ns(v), (config) => {
    config.engine = { ...config.engine, patchWheels: v === 'patch' }
  }))
  run(dir, 'build')
}

alternateBuilds({ variants, dirs, reps, keep: args.includes('--keep'), run: (dir) => run(dir, 'build'), line: (r) => r.did })
