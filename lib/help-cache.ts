import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dispatch } from './cli.js'
import { tasks } from './tasks/registry.js'

/**
 * What the CLI prints for the invocations that need no project — `--help`, `list`, `<task>
 * --help` — rendered by the CLI itself at build time, so the bin can answer them without loading
 * the library (Node's own start-up is then most of their cost). Keyed by argv joined with NUL.
 */
export async function renderHelpCache(): Promise<Record<string, string>> {
  const argvs = [
    ['--help'],
    ['-h'],
    ['list'],
    ...tasks.flatMap((t) => [
      [t.name, '--help'],
      [t.name, '-h'],
    ]),
  ]
  const cache: Record<string, string> = {}
  for (const argv of argvs) {
    let stdout = ''
    let stderr = ''
    const code = await dispatch(argv, { write: (line, stream) => (stream === 'stderr' ? (stderr += `${line}\n`) : (stdout += `${line}\n`)) })
    if (code === 0 && !stderr) cache[argv.join('\0')] = stdout
  }
  return cache
}

/** Where the bin looks for it. */
export const HELP_CACHE = fileURLToPath(new URL('../help.json', import.meta.url))

export async function writeHelpCache(): Promise<void> {
  writeFileSync(HELP_CACHE, JSON.stringify(await renderHelpCache()))
}
