import { openSync, writeSync } from 'node:fs'
import { compare } from 'uvu/diff'

// uvu's `suite` API, run by tests/run.js instead of uvu's own runner (run-file.ts points the test
// files' `import … from 'uvu'` here). Same semantics, two differences that keep the count honest:
// every registration and outcome is written, one JSON line at a time and synchronously (it survives
// a crash or a kill), to the file named by PPTEST_REPORT; and a hook that throws is printed and
// reported (uvu's runner swallows a `before` error: its suite shows "(0 / N)" in green, exit 0).

type Handler = (state: Record<string, unknown>) => unknown
interface Batch {
  tests: { name: string; fn: Handler }[]
  only: { name: string; fn: Handler }[]
  skips: string[]
  before: Handler[]
  after: Handler[]
  bEach: Handler[]
  aEach: Handler[]
}

/** One line of the report: what the parent (tests/run.js) counts. Test ids are `<suite#>:<test#>`. */
export type ReportEvent =
  | { kind: 'queued'; suite: string; tests: { id: string; name: string }[]; skipped: string[]; onlySkipped: string[] }
  | { kind: 'start'; id: string }
  | { kind: 'pass'; id: string }
  | { kind: 'fail'; id: string; error: string }
  | { kind: 'hook'; suite: string; index: number; hook: string; error: string }
  | { kind: 'never-run'; suite: string; tests: string[] }
  | { kind: 'load-fail'; error: string }
  | { kind: 'done' }
  | { kind: 'lingering'; resources: string[] }

const reportFd = process.env.PPTEST_REPORT ? openSync(process.env.PPTEST_REPORT, 'a') : undefined
export function report(event: ReportEvent): void {
  if (reportFd !== undefined) writeSync(reportFd, JSON.stringify(event) + '\n')
}

const write = (s: string) => process.stdout.write(s)
const fresh = (): Batch => ({ tests: [], only: [], skips: [], before: [], after: [], bEach: [], aEach: [] })
const queue: { name: string; index: number; batch: Batch; state: Record<string, unknown> }[] = []
/** Suites with tests registered since their last run(): a forgotten run() would drop them silently. */
const open = new Map<string, () => Batch>()

export function suite(name = '', state: Record<string, unknown> = {}) {
  let batch = fresh()
  const key = `${open.size}:${name}`
  open.set(key, () => batch)
  const test = (testName: string, fn: Handler) => void batch.tests.push({ name: testName, fn })
  test.only = (testName: string, fn: Handler) => void batch.only.push({ name: testName, fn })
  test.skip = (testName?: string) => void batch.skips.push(testName ?? '(unnamed)')
  test.before = Object.assign((fn: Handler) => void batch.before.push(fn), { each: (fn: Handler) => void batch.bEach.push(fn) })
  test.after = Object.assign((fn: Handler) => void batch.after.push(fn), { each: (fn: Handler) => void batch.aEach.push(fn) })
  test.run = () => {
    const index = queue.length
    const run = batch.only.length ? batch.only : batch.tests
    queue.push({ name, index, batch, state })
    report({
      kind: 'queued',
      suite: name,
      tests: run.map((t, i) => ({ id: `${index}:${i}`, name: t.name })),
      skipped: batch.skips,
      // A `.only` left in a suite silently drops the others: they count as not run.
      onlySkipped: batch.only.length ? batch.tests.map((t) => t.name) : [],
    })
    batch = fresh()
  }
  return test
}

/** uvu's default suite, for `import { test } from 'uvu'`. */
export const test = suite()

/** The error as uvu prints it: message, a diff for assertions, the stack without Node's internals. */
function format(where: string, err: unknown): string {
  const e: Error & { operator?: string; actual?: unknown; expected?: unknown; details?: string | false } = err instanceof Error ? err : new Error(String(err))
  let out = `  FAIL  ${where}\n    ${e.message}${e.operator ? `  (${e.operator})` : ''}\n`
  // uvu/assert's Assertion carries its diff; node:assert's AssertionError has the two values.
  const details = e.details || (e.name.startsWith('AssertionError') && !e.operator?.includes('not') ? compare(e.actual, e.expected) : '')
  if (details) out += '\n        ' + details.split('\n').join('\n        ') + '\n'

  const stack = (e.stack ?? '')
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l && !/^at .*(\(|\s)(node:|internal\/)|\/helpers\/(suite-runner|run-file)\.js:/.test(l))
  return out + stack.map((l) => `    ${l}\n`).join('') + '\n'
}
const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]

async function runSuite({ name, index, batch, state }: (typeof queue)[number]): Promise<number> {
  const run = batch.only.length ? batch.only : batch.tests
  const label = name ? ` ${name} ` : ''
  let errors = ''
  let passed = 0
  let failures = 0
  state.__suite__ = name
  write(`${label} `)
  let blocked: unknown
  for (const hook of batch.before) {
    try {
      await hook(state)
    } catch (e) {
      blocked = e
      break
    }
  }
  if (blocked !== undefined) {
    errors += format(`${label} before hook (its ${run.length} tests did not run)`, blocked)
    report({ kind: 'hook', suite: name, index, hook: 'before', error: oneLine(blocked) })
    failures++
  } else {
    for (const [i, t] of run.entries()) {
      const id = `${index}:${i}`
      state.__test__ = t.name
      report({ kind: 'start', id })
      let failed: unknown
      let ok = false
      try {
        for (const hook of batch.bEach) await hook(state)
        await t.fn(state)
        for (const hook of batch.aEach) await hook(state)
        ok = true
      } catch (e) {
        failed = e
      }
      if (!ok) {
        // The after.each hooks still clean up after a failed test (as in uvu); their own errors are shown too.
        for (const hook of batch.aEach) {
          try {
            await hook(state)
          } catch (e) {
            errors += format(`${label} after.each hook, after "${t.name}"`, e)
          }
        }
        errors += format(`${label} "${t.name}"`, failed)
        report({ kind: 'fail', id, error: oneLine(failed) })
        failures++
        write('✘ ')
      } else {
        report({ kind: 'pass', id })
        passed++
        write('• ')
      }
    }
  }
  state.__test__ = ''
  for (const hook of batch.after) {
    try {
      await hook(state)
    } catch (e) {
      errors += format(`${label} after hook`, e)
      report({ kind: 'hook', suite: name, index, hook: 'after', error: oneLine(e) })
      failures++
    }
  }
  write(` (${passed} / ${run.length})\n`)
  if (errors) write(`\n${errors}`)
  return failures
}

/** Run what the imported test files queued, in order; report what was registered but never queued. */
export async function runQueued(): Promise<number> {
  let failures = 0
  for (const s of queue) failures += await runSuite(s)
  for (const [key, batch] of open) {
    const b = batch()
    const names = [...b.tests, ...b.only].map((t) => t.name)
    if (names.length) {
      report({ kind: 'never-run', suite: key.replace(/^\d+:/, ''), tests: names })
      failures++
    }
  }
  return failures
}

/** Only the registrations: what `runQueued` would run (tests/run.js lists tests it cannot run). */
export function listQueued(): void {
  for (const [key, batch] of open) {
    const b = batch()
    const names = [...b.tests, ...b.only].map((t) => t.name)
    if (names.length) report({ kind: 'never-run', suite: key.replace(/^\d+:/, ''), tests: names })
  }
}

/** uvu's exec, for code that calls it: runs the queue. */
export async function exec(): Promise<void> {
  process.exitCode = (await runQueued()) ? 1 : 0
}
