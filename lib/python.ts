/**
 * Which Python a release runs, and the OS image it comes with. Asked for by the project ("python"
 * in the config, else .python-version, else Heroku's runtime.txt), else chosen within its
 * requires-python, else the default; the OS image is the one whose `python3` that version is.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'smol-toml'
import type { Config } from './config/schema.js'
import { UserError } from './errors.js'

/** Python major.minor → the OS image whose `python3` it is: what the base image is built FROM. "pythonImages" adds or replaces entries. */
const PYTHON_IMAGES: Readonly<Record<string, string>> = { '3.11': 'debian:bookworm-slim', '3.13': 'debian:trixie-slim' }

/** The Python of a project that asks for none (and of every release before the choice existed). */
export const DEFAULT_PYTHON = '3.11'

/** Where the version came from: data, worded by render/. */
type PythonSource =
  | { source: 'config'; file: string; value: string }
  | { source: '.python-version' | 'runtime.txt'; file: string; value: string }
  /** `pick`: the default (it satisfies the range) or the newest available that does. */
  | { source: 'requires-python'; file: string; value: string; pick: 'default' | 'newest' }
  | { source: 'default' }

export interface PythonChoice {
  /** major.minor: the OS image decides the patch release. */
  version: string
  /** The OS image the base image is built FROM (its OS_IMAGE build arg). */
  image: string
  /** Where that image was named: the tool's table, "pythonImages", or the older "buildArgs.OS_IMAGE". */
  imageFrom: 'built-in' | 'pythonImages' | 'buildArgs.OS_IMAGE'
  from: PythonSource
}

type PythonConfig = Pick<Config, 'python' | 'pythonImages' | 'buildArgs'>

/** The project as the resolution sees it: where to look for files, the config, its file's name for messages. */
export interface PythonProject {
  root: string
  source: string
  config: PythonConfig
  /** The config file's name, for messages (default .pypackagerc.json). */
  where?: string
}

const VERSION_KEY = /^[0-9]+\.[0-9]+$/

/** The Pythons on offer: the built-in table with "pythonImages" on top. A key that is no major.minor is an error. */
export function availablePythons(config: Pick<Config, 'pythonImages'>, where = '.pypackagerc.json'): Record<string, { image: string; from: 'built-in' | 'pythonImages' }> {
  const table: Record<string, { image: string; from: 'built-in' | 'pythonImages' }> = {}
  for (const [v, image] of Object.entries(PYTHON_IMAGES)) table[v] = { image, from: 'built-in' }
  for (const [v, image] of Object.entries(config.pythonImages ?? {})) {
    if (!VERSION_KEY.test(v) || !image.trim()) {
      throw new UserError(`${where}: "pythonImages" entry "${v}": "${image}" is not a Python version and an OS image`, {
        hint: 'key each OS image by the major.minor of its python3, e.g. "pythonImages": { "3.12": "ubuntu:24.04" }',
      })
    }
    table[v] = { image, from: 'pythonImages' }
  }
  return table
}

/** Versions newest first: "3.13", "3.11". */
const newestFirst = (versions: string[]) => [...versions].sort((a, b) => compareRelease(parseRelease(b), parseRelease(a)))

// --- what the project's files say -----------------------------------------------------------

/**
 * The first usable version of a pyenv `.python-version` (one per line, `#` comments): CPython's
 * `3.13`, `3.13.1`, `3.13.0rc1`, `cpython-3.13`; `system`, PyPy and named environments are skipped.
 */
export function parsePythonVersionFile(text: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    for (const word of line.replace(/#.*/, '').trim().split(/\s+/)) {
      const m = /^(?:cpython[-@]?)?(\d+\.\d+(?:\.\d+)?)(?:(?:a|b|rc)\d+|-dev)?$/i.exec(word)
      if (m) return m[1]
    }
  }
  return undefined
}

/** Heroku's runtime.txt: `python-3.13.1` (or `python-3.13`); anything else says nothing. */
export function parseRuntimeTxt(text: string): string | undefined {
  const first = text.split(/\r?\n/).find((l) => l.trim())
  return first ? /^\s*python-(\d+\.\d+(?:\.\d+)?)\s*$/.exec(first)?.[1] : undefined
}

/** `3.13.1` → `3.13`. */
const majorMinor = (version: string) => version.split('.').slice(0, 2).join('.')

type Table = Record<string, unknown>
const table = (v: unknown): Table => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Table) : {})
const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined)

/** What the project requires of its Python: the text as written and where. */
interface Requires {
  file: string
  value: string
  /** Alternatives (poetry's `||`), each a PEP 440 specifier set. */
  sets: string[]
}

/** A folder's requires-python: pyproject's [project], else poetry's python dependency, else setup.cfg or setup.py python_requires. */
export function readRequiresPython(dir: string): Requires | undefined {
  const read = (f: string) => (existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f), 'utf8') : undefined)
  const pyproject = read('pyproject.toml')
  if (pyproject !== undefined) {
    let doc: Table = {}
    try {
      doc = parse(pyproject) as Table
    } catch {
      // Not valid TOML: the project's shape reports it, with the line.
    }
    const requires = str(table(doc.project)['requires-python'])
    if (requires) return { file: 'pyproject.toml', value: requires, sets: [requires] }
    const poetry = str(table(table(table(doc.tool).poetry).dependencies).python)
    if (poetry) return { file: 'pyproject.toml', value: poetry, sets: poetrySets(poetry) }
  }
  const cfg = /^\[options\][^[]*?^\s*python_requires\s*=\s*(.+?)\s*$/ms.exec(read('setup.cfg') ?? '')?.[1]
  if (cfg) return { file: 'setup.cfg', value: cfg, sets: [cfg] }
  const py = /python_requires\s*=\s*["']([^"']+)["']/.exec(read('setup.py') ?? '')?.[1]
  if (py) return { file: 'setup.py', value: py, sets: [py] }
  return undefined
}

/** A poetry constraint (`^3.11`, `~3.11`, `>=3.11,<3.14`, `3.11.*`, `>=3.8 || ^3.12`) as PEP 440 specifier sets. */
export function poetrySets(constraint: string): string[] {
  return constraint.split('||').map((alt) =>
    alt
      .replace(/([<>=!~^]=?)\s+/g, '$1')
      .trim()
      .split(/\s*,\s*|\s+(?=[<>=!~^0-9*])/)
      .filter(Boolean)
      .map(poetryClause)
      .join(','),
  )
}

function poetryClause(clause: string): string {
  const m = /^(\^|~(?!=))\s*(\d+(?:\.\d+)*)$/.exec(clause)
  if (!m) return clause === '*' ? '' : /^\d/.test(clause) ? `==${clause}` : clause
  const parts = m[2].split('.').map(Number)
  // ^: up to the next major (the next minor for 0.x); ~: up to the next minor (the next major when only a major is given).
  const bump = m[1] === '^' ? (parts[0] > 0 || parts.length === 1 ? 0 : 1) : parts.length === 1 ? 0 : 1
  const upper = [...parts.slice(0, bump), parts[bump] + 1].join('.')
  return `>=${m[2]},<${upper}`
}

// --- PEP 440, as far as a Python version range needs it ---------------------------------------

const parseRelease = (v: string): number[] => (/^\d+(?:\.\d+)*/.exec(v.trim())?.[0] ?? '0').split('.').map(Number)

function compareRelease(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/**
 * Whether Python `version` (major.minor) satisfies a PEP 440 specifier set (`>=3.11,<3.14`,
 * `~=3.11`, `==3.12.*`). major.minor stands for its newest patch release, which is what an OS
 * image updates to: `<=3.12` excludes 3.12 (pip would refuse 3.12.3 too); an exact pin
 * (`==3.12.4`) counts as asking for its series. An unreadable clause is an error.
 */
export function satisfies(spec: string, version: string): boolean {
  const cand = [...parseRelease(version).slice(0, 2), Infinity]
  return spec
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)
    .every((clause) => {
      const m = /^(~=|===|==|!=|<=|>=|<|>)\s*(\d+(?:\.\d+)*)(\.\*)?\S*$/.exec(clause)
      if (!m) throw new UserError(`"${spec}" is not a Python version range`, { hint: 'write it as PEP 440 specifiers, e.g. ">=3.11,<3.14" or "~=3.11"' })
      const [, op, v, wildcard] = m
      const rel = parseRelease(v)
      const series = rel.length < 2 || (rel[0] === cand[0] && rel[1] === cand[1])
      const prefix = rel.every((n, i) => cand[i] === n)
      const cmp = compareRelease(cand, rel)
      switch (op) {
        case '==':
          return wildcard ? prefix : series && rel[0] === cand[0]
        case '===':
          return series && rel[0] === cand[0]
        case '!=':
          return wildcard ? !prefix : true
        case '~=':
          return cmp >= 0 && rel.slice(0, -1).every((n, i) => cand[i] === n)
        case '>=':
          return cmp >= 0
        case '<=':
          return cmp <= 0
        case '>':
          return cmp > 0
        default:
          return cmp < 0
      }
    })
}

const allows = (requires: Requires, version: string) => requires.sets.some((s) => satisfies(s, version))

// --- the choice ------------------------------------------------------------------------------

/** The folders a project's files are looked for in: the source, then the project root. */
const folders = (p: PythonProject) => [...new Set([p.source, p.root])]

const relative = (p: PythonProject, dir: string, file: string) => path.relative(p.root, path.join(dir, file)) || file

/** What the project asks for explicitly: "python", else the first .python-version, else runtime.txt. */
function askedFor(p: PythonProject): Exclude<PythonSource, { source: 'requires-python' | 'default' }> | undefined {
  const where = p.where ?? '.pypackagerc.json'
  if (p.config.python) return { source: 'config', file: where, value: p.config.python }
  for (const [file, parseFile] of [
    ['.python-version', parsePythonVersionFile],
    ['runtime.txt', parseRuntimeTxt],
  ] as const) {
    for (const dir of folders(p)) {
      const at = path.join(dir, file)
      const value = existsSync(at) ? parseFile(readFileSync(at, 'utf8')) : undefined
      if (value) return { source: file, file: relative(p, dir, file), value }
    }
  }
  return undefined
}

function requiresOf(p: PythonProject): Requires | undefined {
  for (const dir of folders(p)) {
    const r = readRequiresPython(dir)
    if (r) return { ...r, file: relative(p, dir, r.file) }
  }
  return undefined
}

const listed = (available: Record<string, { image: string }>) =>
  newestFirst(Object.keys(available))
    .reverse()
    .map((v) => `${v} (${available[v].image})`)
    .join(', ')

const addHint = (version: string | undefined, where: string) =>
  `or add an OS image whose python3 is ${version ?? 'a version it allows'}: "pythonImages": { "${version ?? '<major.minor>'}": "<image>" } in ${where}`

/** Say where a version was asked for: `.python-version ("3.9")`. */
const askedWords = (a: { source: string; file: string; value: string }) => (a.source === 'config' ? `"python" in ${a.file} ("${a.value}")` : `${a.file} ("${a.value}")`)

/** The version: what the project asks for (checked against what is available and its requires-python), else the best its range allows. */
function chooseVersion(p: PythonProject, available: Record<string, { image: string }>): { version: string; from: PythonSource } {
  const where = p.where ?? '.pypackagerc.json'
  const asked = askedFor(p)
  const requires = requiresOf(p)
  if (asked) {
    const version = majorMinor(asked.value)
    if (!available[version]) {
      throw new UserError(`Python ${version}, asked for by ${askedWords(asked)}, is not available: the tool has ${listed(available)}`, {
        hint: `ask for one of those in ${asked.source === 'config' ? `"python" (${where})` : asked.file}, ${addHint(version, where)}`,
      })
    }
    if (requires && !allows(requires, version)) {
      const fits = newestFirst(Object.keys(available)).filter((v) => allows(requires, v))
      throw new UserError(`${askedWords(asked)} asks for Python ${version}, but requires-python in ${requires.file} ("${requires.value}") excludes it`, {
        hint: `make them agree: ${fits.length ? `ask for ${fits.join(' or ')} in ${asked.source === 'config' ? `"python"` : asked.file}` : 'change the version asked for'}, or change requires-python`,
      })
    }
    return { version, from: asked }
  }
  if (!requires) return { version: DEFAULT_PYTHON, from: { source: 'default' } }
  // The default when the range allows it (a project declaring ">=3.9" keeps the Python it always had), else the newest it allows.
  const fits = newestFirst(Object.keys(available)).filter((v) => allows(requires, v))
  const from = { source: 'requires-python', file: requires.file, value: requires.value } as const
  if (fits.includes(DEFAULT_PYTHON)) return { version: DEFAULT_PYTHON, from: { ...from, pick: 'default' } }
  if (!fits.length) {
    throw new UserError(`no available Python satisfies requires-python "${requires.value}" (${requires.file}): the tool has ${listed(available)}`, {
      hint: `widen requires-python, ${addHint(undefined, where)}`,
    })
  }
  return { version: fits[0], from: { ...from, pick: 'newest' } }
}

/**
 * The project's Python: the version (see chooseVersion) and its OS image. The older
 * "buildArgs.OS_IMAGE" still names the default Python's image when "pythonImages" does not; for
 * another Python it must agree with that Python's image, or it would build one Python labelled as another.
 */
export function resolvePython(p: PythonProject): PythonChoice {
  const where = p.where ?? '.pypackagerc.json'
  const available = availablePythons(p.config, where)
  const { version, from } = chooseVersion(p, available)
  const { image, from: imageFrom } = available[version]
  const legacy = p.config.buildArgs?.OS_IMAGE
  if (!legacy || legacy === image) return { version, image, imageFrom, from }
  if (version === DEFAULT_PYTHON && imageFrom === 'built-in') return { version, image: legacy, imageFrom: 'buildArgs.OS_IMAGE', from }
  throw new UserError(`${where}: "buildArgs.OS_IMAGE" (${legacy}) and Python ${version} disagree: ${version} runs on ${image}${imageFrom === 'pythonImages' ? ' ("pythonImages")' : ''}`, {
    hint: `to run Python ${version} on ${legacy}, set "pythonImages": { "${version}": "${legacy}" } and remove "buildArgs.OS_IMAGE"; else remove "buildArgs.OS_IMAGE"`,
  })
}
