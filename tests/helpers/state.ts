import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { containersOf, docker } from './engine.js'

/** Every `<namespace>/…:<tag>` the engine holds, with the id of the image it names, in tag order. */
async function namespaceTags(namespace: string): Promise<Record<string, string>> {
  const images = await docker.listImages({ filters: { reference: [`${namespace}/*`] } })
  const pairs = images.flatMap((i) => (i.RepoTags ?? []).filter((t) => t.startsWith(`${namespace}/`)).map((t) => [t, i.Id] as const))
  return Object.fromEntries(pairs.sort(([a], [b]) => a.localeCompare(b)))
}

/** Relative path → sha256 of every file under `dir` (recursively); undefined when it does not exist. */
export function digestDir(dir: string): Record<string, string> | undefined {
  if (!existsSync(dir)) return undefined
  const out: Record<string, string> = {}
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name
      if (statSync(path.join(dir, r)).isDirectory()) walk(r)
      else
        out[r] = createHash('sha256')
          .update(readFileSync(path.join(dir, r)))
          .digest('hex')
    }
  }
  walk('')
  return out
}

/** What a failed or interrupted run must leave exactly as it found it. */
export interface ProjectState {
  /** Tag → image id: a run that re-points an existing tag changes the state as much as a new tag. */
  tags: Record<string, string>
  wheelhouse?: Record<string, string>
}

export async function snapshot(opts: { namespace: string; wheelhouse: string }): Promise<ProjectState> {
  return { tags: await namespaceTags(opts.namespace), wheelhouse: digestDir(opts.wheelhouse) }
}

/**
 * Nothing left behind: no container labelled with the project, every tag in the namespace naming
 * the image it named before (none added, removed or moved), the wheelhouse byte-for-byte as
 * before, no lock or staging folder (`.pypackage/`) in the project.
 */
export async function assertNothingLeft(before: ProjectState, opts: { namespace: string; project: string; wheelhouse: string; root: string }, what: string): Promise<void> {
  const left = await containersOf(opts.project)
  assert.equal(
    left.map((c) => `${c.Names?.[0]} (${c.Labels['pypackage-tasks.task'] ?? '?'}, ${c.State})`),
    [],
    `${what}: no container labelled ${opts.project} is left`,
  )
  assert.equal(await namespaceTags(opts.namespace), before.tags, `${what}: the tags in ${opts.namespace}/ name the same images as before (none added, removed or re-pointed)`)
  assert.equal(digestDir(opts.wheelhouse), before.wheelhouse, `${what}: the wheelhouse is byte-for-byte as before`)
  assert.not.ok(existsSync(path.join(opts.root, '.pypackage')), `${what}: no lock or staging folder (.pypackage/) is left`)
}

/**
 * One clear message: stderr starts with `error: ` (after any `preamble` lines) and has exactly one
 * such line, which matches `message`; a `hint: ` line (matching `hint`, when given; `false` when
 * none is expected); no stack trace; no terminal escapes.
 */
export function assertOneError(stderr: string, want: { message: RegExp; hint?: RegExp | false; preamble?: RegExp }, what: string): void {
  const lines = stderr.split('\n')
  const errors = lines.filter((l) => l.startsWith('error: '))
  // Only `preamble` lines (e.g. "SIGINT: stopping, …") may come before the error.
  const first = lines.findIndex((l) => !(want.preamble && want.preamble.test(l)))
  assert.ok(lines[first]?.startsWith('error: '), `${what}: stderr starts with "error: "; it was:\n${stderr}`)
  assert.is(errors.length, 1, `${what}: exactly one error line:\n${stderr}`)
  assert.match(errors[0], want.message, `${what}: the error names the problem (${want.message}):\n${stderr}`)
  if (want.hint !== false) {
    const hint = lines.find((l) => l.startsWith('hint: '))
    assert.ok(hint && hint.length > 'hint: '.length, `${what}: a "hint: " line says what to do:\n${stderr}`)
    if (want.hint) assert.match(hint!, want.hint, `${what}: the hint says ${want.hint}:\n${stderr}`)
  }
  assert.not.match(stderr, /^\s+at /m, `${what}: no stack trace without --verbose:\n${stderr}`)
  // eslint-disable-next-line no-control-regex -- ESC starts a terminal escape code
  assert.not.match(stderr, /\x1b\[/, `${what}: no terminal escape codes in plain output:\n${JSON.stringify(stderr)}`)
}
