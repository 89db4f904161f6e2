import { register } from 'node:module'
import { pathToFileURL } from 'node:url'

// One compiled test file in a process of its own, started by tests/run.js:
//   node dist/tests/helpers/run-file.js <file.test.js> [--list]
// The file's `import … from 'uvu'` gets suite-runner.js (the same API, reporting each registration
// and outcome to PPTEST_REPORT); with --list its suites are registered and reported, never run.

const runner = new URL('./suite-runner.js', import.meta.url).href
// Only the test code is redirected: suite-runner.js itself imports the real uvu/diff.
const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === 'uvu' && context.parentURL !== ${JSON.stringify(runner)}) return { url: ${JSON.stringify(runner)}, shortCircuit: true }
  return next(specifier, context)
}`
register(`data:text/javascript,${encodeURIComponent(hooks)}`)

const { report, runQueued, listQueued } = (await import(runner)) as typeof import('./suite-runner.js')
const [file, mode] = process.argv.slice(2)

/** After the last test, the process should end by itself; what keeps it alive is a leak. */
const LINGER_MS = Number(process.env.PPTEST_LINGER_MS ?? 15_000)

let loaded = false
try {
  await import(pathToFileURL(file).href)
  loaded = true
} catch (e) {
  console.error(`${file}: could not be loaded:\n${(e as Error)?.stack ?? String(e)}`)
  report({ kind: 'load-fail', error: (e as Error)?.message?.split('\n')[0] ?? String(e) })
  process.exitCode = 1
}
if (mode === '--list') {
  listQueued()
  report({ kind: 'done' })
  // Top-level code of a test file may have started something: listing ends here regardless.
  process.exit(0)
} else if (loaded) {
  const failures = await runQueued()
  report({ kind: 'done' })
  process.exitCode = failures ? 1 : 0
  setTimeout(() => {
    const resources = process.getActiveResourcesInfo()
    console.error(
      `${file}: its tests finished ${LINGER_MS / 1000} s ago, but the process is kept alive by ${resources.join(', ') || 'something'}: a server, socket, timer or child process a test left open`,
    )
    report({ kind: 'lingering', resources })
    process.exit(1)
  }, LINGER_MS).unref()
}
