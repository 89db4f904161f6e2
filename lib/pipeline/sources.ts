import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { glob } from '../glob.js'
import ignore, { type Ignore } from 'ignore'

/**
 * What a package's wheel is built from: the files listed here are both the wheel build's inputs
 * (a change to one rebuilds the wheel) and the only files copied into the builder (so nothing the
 * list leaves out can reach a wheel, and a wheel can never be stale for a file the list ignores).
 */

/** Never part of a source's inputs, nor copied for the build: caches, VCS, build leftovers. */
// .env files hold secrets; sqlite databases, logs and editor swap files change while the app runs
// locally: none is source, none may trigger a rebuild or reach a wheel.
const EXCLUDE_ANYWHERE = [
  '.git',
  'node_modules',
  '__pycache__',
  '*.pyc',
  '*.egg-info',
  '.pytest_cache',
  '.mypy_cache',
  '.tox',
  '.env',
  '.env.*',
  '*.sqlite3',
  '*.log',
  '*.swp',
  '*.swo',
  '*~',
  '.#*',
  '.DS_Store',
]
/** The same, at a package's top level only (a Python package may well be called `build`). */
const EXCLUDE_TOP = ['build', 'dist', '.pypackage', '.venv', 'venv', '.cache']

/** The folder whose ignore files count: the git work tree holding `dir`, else `fallback` when it holds `dir`, else `dir`. */
export function ignoreTop(dir: string, fallback: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return d
    if (path.dirname(d) === d) break
  }
  const rel = path.relative(fallback, dir)
  return rel.startsWith('..') || path.isAbsolute(rel) ? dir : fallback
}

/** One ignore file's rules, anchored at the folder that holds it. */
interface Rules {
  base: string
  rules: Ignore
}

async function readRules(file: string, base: string): Promise<Rules | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined)
  return text === undefined ? undefined : { base, rules: ignore().add(text) }
}

/**
 * The .gitignore rules that apply inside `dir`: the work tree's .git/info/exclude, every .gitignore
 * from `top` down to `dir`, and those among `files` (the package's files, found with the default
 * excludes: none is read from node_modules, and the tree is walked once). The user's global
 * excludes file is not read: a build must not depend on whose machine it runs.
 */
async function gitignoreRules(dir: string, top: string, files: string[]): Promise<Rules[]> {
  const found: Rules[] = []
  const add = (r: Rules | undefined) => r && found.push(r)
  add(await readRules(path.join(top, '.git/info/exclude'), top))
  const above: string[] = []
  for (let d = path.dirname(dir); path.relative(top, d) === '' || !path.relative(top, d).startsWith('..'); d = path.dirname(d)) {
    above.unshift(d)
    if (d === top || path.dirname(d) === d) break
  }
  for (const d of path.relative(top, dir).startsWith('..') ? [] : above) add(await readRules(path.join(d, '.gitignore'), d))
  const inside = files.filter((f) => path.posix.basename(f) === '.gitignore')
  // Shallow first: a deeper file's rules come later and win, as in git.
  for (const f of inside.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))) {
    add(await readRules(path.join(dir, f), path.join(dir, path.dirname(f))))
  }
  return found
}

/** Whether git would ignore `abs`: the last rule that decides wins (`!` brings a file back). */
function gitIgnores(abs: string, rules: Rules[]): boolean {
  let ignored = false
  for (const { base, rules: r } of rules) {
    const rel = path.relative(base, abs)
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue
    const t = r.test(rel.split(path.sep).join('/'))
    if (t.ignored) ignored = true
    else if (t.unignored) ignored = false
  }
  return ignored
}

/**
 * The files of one package that make its wheel, as absolute paths, sorted. Left out: the default
 * excludes, `skip` (the wheelhouse, nested packages, the tool's own files), and what the package's
 * ignore rules say: its `.dockerignore` when it has one (the one authority, as for `docker build`:
 * a team that ships a gitignored build output, say a frontend bundle, lists what to keep there),
 * else the `.gitignore` files — with or without git. `dockerignore: false`: the `.gitignore` files
 * only (the test task's copy: a .dockerignore that keeps tests out of images must not keep them
 * from the tests).
 */
export async function sourceFiles(dir: string, top: string, skip: string[] = [], opts: { dockerignore?: boolean } = {}): Promise<string[]> {
  const nested = skip.map((d) => path.relative(dir, d)).filter((rel) => rel && !rel.startsWith('..') && !path.isAbsolute(rel))
  const excluded = [...EXCLUDE_ANYWHERE.flatMap((e) => [`**/${e}`, `**/${e}/**`]), ...EXCLUDE_TOP.map((e) => `${e}/**`), ...nested.flatMap((e) => [e, `${e}/**`])]
  const files = (await glob('**/*', { cwd: dir, dot: true, onlyFiles: true, followSymbolicLinks: false, ignore: excluded })).sort()
  const dockerRules = opts.dockerignore === false ? undefined : await readFile(path.join(dir, '.dockerignore'), 'utf8').catch(() => undefined)
  if (dockerRules !== undefined) {
    // Loaded only for a package that has a .dockerignore.
    const { default: dockerignore } = await import('@balena/dockerignore')
    const make = dockerignore as unknown as typeof dockerignore.default
    const keep = make({ ignorecase: false }).add(dockerRules).createFilter()
    return files.filter((f) => keep(f)).map((f) => path.join(dir, f))
  }
  const rules = await gitignoreRules(dir, top, files)
  return files.map((f) => path.join(dir, f)).filter((abs) => !gitIgnores(abs, rules))
}

/**
 * The folders of a package where its source files live or may appear (dev watches each one):
 * every folder under `dir` but the default excludes and `skip`. Ignore files are not read here:
 * a watched folder only wakes the watcher, and the file list (sourceFiles) decides what changed.
 */
export async function sourceFolders(dir: string, skip: string[] = []): Promise<string[]> {
  const nested = skip.map((d) => path.relative(dir, d)).filter((rel) => rel && !rel.startsWith('..') && !path.isAbsolute(rel))
  const excluded = [...EXCLUDE_ANYWHERE.flatMap((e) => [`**/${e}`, `**/${e}/**`]), ...EXCLUDE_TOP.flatMap((e) => [e, `${e}/**`]), ...nested.flatMap((e) => [e, `${e}/**`])]
  const folders = await glob('**', { cwd: dir, dot: true, onlyDirectories: true, followSymbolicLinks: false, ignore: excluded })
  return [dir, ...folders.sort().map((f) => path.join(dir, f))]
}

/** `tar --exclude` flags for copying a source tree in a container with the default excludes (the test task's copy). */
export const tarExcludes = (wheelhouseRel?: string) =>
  [...EXCLUDE_ANYWHERE.map((e) => `--exclude='${e}'`), ...[...EXCLUDE_TOP, ...(wheelhouseRel ? [wheelhouseRel] : [])].map((e) => `--exclude='./${e}'`)].join(' ')
