import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parseToml, table, type Table } from './toml.js'
import { UserError } from '../errors.js'

/** The parts of a pyproject.toml the tool reads, parsed with a real TOML parser. */
export interface Pyproject {
  /** [project] name, else [tool.poetry] name. */
  name?: string
  version?: string
  /** [build-system] build-backend; undefined when the table is absent (PEP 517: setuptools' legacy backend). */
  backend?: string
  hasBuildSystem: boolean
  hasProjectTable: boolean
  isPoetry: boolean
  /** Runtime requirements as PEP 508 strings; undefined when declared `dynamic` or absent. */
  dependencies?: string[]
  /** [project.optional-dependencies] */
  extras: Record<string, string[]>
  /** PEP 735 [dependency-groups] (include-group entries resolved). */
  groups: Record<string, string[]>
  /** [tool.poetry.group.<name>.dependencies] (and the old dev-dependencies), as requirement names. */
  poetryGroups: Record<string, string[]>
  /** [tool.pytest.ini_options] present. */
  pytestConfigured: boolean
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [])

/** The files parsed so far, with the text each was parsed from: the same text is not parsed twice (a run reads it in several places). Read only. */
const parsed = new Map<string, { text: string; pyproject: Pyproject }>()

/** Read `<dir>/pyproject.toml`; undefined when there is none. A syntax error names the file and line. */
export function readPyproject(dir: string): Pyproject | undefined {
  const file = path.join(dir, 'pyproject.toml')
  if (!existsSync(file)) return undefined
  const text = readFileSync(file, 'utf8')
  const known = parsed.get(file)
  if (known?.text === text) return known.pyproject
  const pyproject = parsePyproject(text, file)
  parsed.set(file, { text, pyproject })
  return pyproject
}

export function parsePyproject(text: string, file = 'pyproject.toml'): Pyproject {
  const doc = parseToml(text, file, 'pip')
  const project = table(doc.project)
  const poetry = table(table(doc.tool).poetry)
  const buildSystem = doc['build-system'] === undefined ? undefined : checkBuildSystem(doc['build-system'], file)
  const dynamic = strings(project.dynamic)
  const poetryDeps = (deps: unknown) => Object.keys(table(deps)).filter((n) => n.toLowerCase() !== 'python')
  const poetryGroups: Record<string, string[]> = {}
  for (const [name, g] of Object.entries(table(poetry.group))) poetryGroups[name] = poetryDeps(table(g).dependencies)
  if (poetry['dev-dependencies']) poetryGroups.dev = [...(poetryGroups.dev ?? []), ...poetryDeps(poetry['dev-dependencies'])]
  const hasProjectTable = doc.project !== undefined
  const isPoetry = doc.tool !== undefined && table(doc.tool).poetry !== undefined
  return {
    name: str(project.name) ?? str(poetry.name),
    version: str(project.version) ?? str(poetry.version),
    backend: buildSystem ? str(buildSystem['build-backend']) : undefined,
    hasBuildSystem: buildSystem !== undefined,
    hasProjectTable,
    isPoetry,
    dependencies: dynamic.includes('dependencies') ? undefined : hasProjectTable ? strings(project.dependencies) : isPoetry ? poetryDeps(poetry.dependencies) : undefined,
    extras: Object.fromEntries(Object.entries(table(project['optional-dependencies'])).map(([k, v]) => [k, strings(v)])),
    groups: dependencyGroups(table(doc['dependency-groups'])),
    poetryGroups,
    pytestConfigured: table(table(doc.tool).pytest)['ini_options'] !== undefined,
  }
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined)

/**
 * [build-system] as PEP 518/517 define it: a table whose `requires` and `backend-path` are arrays
 * of strings and `build-backend` a string. Anything else stops here, naming the key, instead of a
 * backend failing later in the builder with a Python traceback.
 */
function checkBuildSystem(raw: unknown, file: string): Table {
  const fix = (what: string, example: string) => new UserError(`${file}: [build-system] ${what}`, { hint: `write it as PEP 518 does, e.g. ${example}` })
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw fix('must be a table', '[build-system] on a line of its own, then its keys')
  const t = raw as Table
  const isStrings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string')
  if (t.requires !== undefined && !isStrings(t.requires)) throw fix('requires must be an array of strings', 'requires = ["setuptools>=61", "wheel"]')
  if (t['build-backend'] !== undefined && typeof t['build-backend'] !== 'string') throw fix('build-backend must be a string', 'build-backend = "setuptools.build_meta"')
  if (t['backend-path'] !== undefined && !isStrings(t['backend-path'])) throw fix('backend-path must be an array of strings', 'backend-path = ["."]')
  return t
}

/** PEP 735 groups with `{include-group = "…"}` entries expanded (a cycle is named). */
export function dependencyGroups(raw: Table): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  const expand = (name: string, seen: string[]): string[] => {
    if (seen.includes(name)) throw new UserError(`[dependency-groups] include a cycle: ${[...seen, name].join(' → ')}`, { hint: 'remove one include-group' })
    const entries = raw[name]
    if (!Array.isArray(entries)) return []
    return entries.flatMap((e) => (typeof e === 'string' ? [e] : typeof table(e)['include-group'] === 'string' ? expand(table(e)['include-group'] as string, [...seen, name]) : []))
  }
  for (const name of Object.keys(raw)) out[name] = expand(name, [])
  return out
}

/** A distribution name as PEP 503 compares them: `Django`, `django_x.y` → `django`, `django-x-y`. */
export const normalizeName = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-')

/** The distribution name a PEP 508 requirement names (`Django[argon2]>=3; …` → `django`). */
export const requirementName = (req: string) => normalizeName(req.match(/^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/)?.[1] ?? req.trim())
