// What the side-by-side benches share (append-vs-build, warm-builder, wheel-patch): the repo, the
// CLI, a copy of the example per variant with its own namespace, and a timed `--json` run.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(repo, 'bin/pypackage-tasks.js')

/** --reps N, else `dflt`. */
export const repsArg = (args, dflt) => Number(args[args.indexOf('--reps') + 1] || dflt)

/** Stop with a line when the offline index is missing. */
export function requireIndex() {
  if (existsSync(path.join(repo, '.cache/pyindex'))) return
  console.error('the offline index is missing: run `bash .ci/setup.sh` first')
  process.exit(1)
}

/** A fresh copy of the example and docker/ at `dir`, its config in namespace `ns`, changed by `edit` (config, dir). */
export function exampleCopy(dir, ns, edit = () => {}) {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const p of ['example', 'docker']) cpSync(path.join(repo, p), path.join(dir, p), { recursive: true })
  const config = JSON.parse(readFileSync(path.join(repo, '.pypackagerc.json'), 'utf8'))
  delete config.$schema
  Object.assign(config, { namespace: ns })
  config.pip.findLinks = [path.join(repo, '.cache/pyindex')]
  edit(config, dir)
  writeFileSync(path.join(dir, '.pypackagerc.json'), JSON.stringify(config, null, 2))
  return dir
}

/** `pypackage-tasks <task> --json` in `dir`: its time and its events. */
export function runJson(dir, task) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [bin, task, '--json'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 64 << 20 })
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.status !== 0) throw new Error(`${task} failed in ${dir}:\n${r.stdout.slice(-3000)}\n${r.stderr}`)
  const events = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
  return { seconds, events }
}

/** The CLI's `clean` in `dir`: what the bench made there, removed. */
export function cleanProject(dir) {
  spawnSync(process.execPath, [bin, 'clean'], { cwd: dir, stdio: 'ignore' })
}

/**
 * The wheels-stage side by side (warm-builder, wheel-patch): `reps` one-line edits of the example's
 * views.py in each variant's copy, alternating, each followed by `build`; `run(dir)` times one;
 * `line(r)` says what the stage did. Prints each run and the medians; returns the results.
 */
export function alternateBuilds({ variants, dirs, reps, keep, run, line }) {
  const results = Object.fromEntries(variants.map((v) => [v, []]))
  const views = (v) => path.join(dirs[v], 'example/polls/views.py')
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const v of rep % 2 ? [...variants].reverse() : variants) {
        writeFileSync(views(v), `${readFileSync(views(v), 'utf8').replace(/\n# bench .*\n$/, '\n')}# bench ${process.pid}-${rep}\n`)
        const r = run(dirs[v])
        results[v].push(r)
        console.log(`rep ${rep + 1}/${reps} ${v} build ${r.seconds.toFixed(2)} s, wheels ${r.stage.toFixed(3)} s (${line(r)})`)
      }
    }
  } finally {
    if (!keep) for (const v of variants) cleanProject(dirs[v])
  }
  const med = (v, key) => median(results[v].map((r) => r[key]))
  for (const v of variants) console.log(`${v}: median build ${med(v, 'seconds').toFixed(2)} s, wheels stage ${med(v, 'stage').toFixed(3)} s`)
  const [a, b] = variants
  console.log(`${b} / ${a}: wheels stage ${(med(b, 'stage') / med(a, 'stage')).toFixed(2)}×, build ${(med(b, 'seconds') / med(a, 'seconds')).toFixed(2)}×`)
  return results
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
