import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parse } from 'smol-toml'
import { UserError } from '../errors.js'
import { normalizeName, requirementName } from './pyproject.js'

/** One distribution a lock file pins. */
export interface LockedPackage {
  /** PEP 503 normalized. */
  name: string
  /** As the lock writes it; '' when the lock has none (a local tree with a dynamic version). */
  version: string
  /** 'sha256:<lowercase hex>'; empty when the lock lists none (git, path and url sources). */
  hashes: string[]
  /** 'main' for runtime; else the group or extra names, e.g. 'dev', 'test'. */
  groups: string[]
}

export interface Lock {
  /** 'poetry.lock', 'uv.lock' or 'Pipfile.lock'. */
  file: string
  kind: 'poetry' | 'uv' | 'pipenv'
  packages: LockedPackage[]
}

type Table = Record<string, unknown>
const table = (v: unknown): Table => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Table) : {})
const tables = (v: unknown): Table[] => (Array.isArray(v) ? v.map(table) : [])
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [])

const KINDS = { 'poetry.lock': 'poetry', 'uv.lock': 'uv', 'Pipfile.lock': 'pipenv' } as const
const REGENERATE = { poetry: 'poetry lock', uv: 'uv lock', pipenv: 'pipenv lock' } as const

/**
 * The lock file in `dir`; undefined when there is none. Two lock files are refused unless `choose`
 * names one: building from whichever we happened to read first would pin the wrong versions half the time.
 */
export async function readLock(dir: string, choose?: string): Promise<Lock | undefined> {
  const found = (Object.keys(KINDS) as (keyof typeof KINDS)[]).filter((f) => existsSync(path.join(dir, f)))
  let file: keyof typeof KINDS
  if (choose !== undefined) {
    if (!Object.hasOwn(KINDS, choose)) {
      throw new UserError(`"lock" in .pypackagerc.json is ${JSON.stringify(choose)}, which is not a lock file this tool reads`, {
        hint: `set it to one of ${Object.keys(KINDS).join(', ')}`,
      })
    }
    file = choose as keyof typeof KINDS
    if (!found.includes(file)) {
      throw new UserError(`"lock" in .pypackagerc.json names ${file}, but ${dir} has no ${file}`, {
        hint: found.length ? `set it to ${found.join(' or ')}, or create ${file}` : `create it (${REGENERATE[KINDS[file]]}) or remove the "lock" setting`,
      })
    }
  } else if (found.length === 0) {
    return undefined
  } else if (found.length > 1) {
    throw new UserError(`${dir} has ${found.length} lock files (${found.join(', ')}); it is not clear which one is current`, {
      hint: 'remove the stale one, or set "lock" in .pypackagerc.json to the one to use',
    })
  } else {
    file = found[0]
  }
  const kind = KINDS[file]
  const text = await readFile(path.join(dir, file), 'utf8')
  const where = path.join(dir, file)
  const packages = kind === 'poetry' ? parsePoetryLock(text, where) : kind === 'uv' ? parseUvLock(text, where) : parsePipfileLock(text, where)
  return { file, kind, packages }
}

function malformed(file: string, kind: Lock['kind'], e: unknown): UserError {
  const err = e as Error & { line?: number; column?: number }
  const lines = (err.message ?? String(e)).split('\n')
  const at = typeof err.line === 'number' ? `:${err.line}:${err.column ?? 0}` : ''
  // smol-toml's first line is the reason; the rest is the source excerpt with a caret, worth showing.
  const details = lines.slice(1).filter((l) => l.trim() !== '')
  return new UserError(`${file}${at} is not a valid lock file: ${lines[0]}`, {
    hint: `regenerate it: ${REGENERATE[kind]}`,
    cause: e,
    details: details.length ? details : undefined,
  })
}

function parseToml(text: string, file: string, kind: Lock['kind']): Table {
  try {
    return parse(text) as Table
  } catch (e) {
    throw malformed(file, kind, e)
  }
}

/** Only sha256 is kept: it is what pip's --require-hashes and the wheel check compare. */
function sha256s(hashes: unknown[]): string[] {
  const out = new Set<string>()
  for (const h of hashes) {
    const m = typeof h === 'string' ? h.match(/^sha256:([0-9a-fA-F]{64})$/) : null
    if (m) out.add(`sha256:${m[1].toLowerCase()}`)
  }
  return [...out]
}

function requireName(pkg: Table, file: string, kind: Lock['kind']): string {
  const name = str(pkg.name)
  if (!name) throw malformed(file, kind, new Error('a [[package]] entry has no name'))
  return name
}

/** poetry.lock: lock-version 2.x (hashes in `files`, Poetry 2 `groups`) and 1.1 (`category`, [metadata.files]). */
export function parsePoetryLock(text: string, file = 'poetry.lock'): LockedPackage[] {
  const doc = parseToml(text, file, 'poetry')
  const legacyFiles = new Map<string, unknown[]>()
  for (const [name, files] of Object.entries(table(table(doc.metadata).files))) {
    legacyFiles.set(
      normalizeName(name),
      tables(files).map((f) => f.hash),
    )
  }
  return tables(doc.package).map((pkg) => {
    const name = normalizeName(requireName(pkg, file, 'poetry'))
    const version = str(pkg.version)
    if (version === undefined) throw malformed(file, 'poetry', new Error(`package ${name} has no version`))
    const groups = strings(pkg.groups)
    const category = str(pkg.category)
    return {
      name,
      version,
      hashes: sha256s([...tables(pkg.files).map((f) => f.hash), ...(legacyFiles.get(name) ?? [])]),
      groups: groups.length ? groups : category ? [category] : ['main'],
    }
  })
}

interface UvDep {
  name: string
  version?: string
  extra: string[]
}
interface UvPackage {
  name: string
  version: string
  isRoot: boolean
  hashes: string[]
  deps: UvDep[]
  optional: Record<string, UvDep[]>
  dev: Record<string, UvDep[]>
}

const uvDeps = (v: unknown): UvDep[] =>
  tables(v)
    .filter((d) => typeof d.name === 'string')
    .map((d) => ({ name: normalizeName(d.name as string), version: str(d.version), extra: strings(d.extra) }))
const uvGroups = (v: unknown): Record<string, UvDep[]> => Object.fromEntries(Object.entries(table(v)).map(([g, deps]) => [g, uvDeps(deps)]))

/**
 * uv.lock. uv records no groups per package, so they are worked out from the graph: what the
 * project's own `dependencies` reach is 'main', what a dev group or extra reaches gets that name.
 */
export function parseUvLock(text: string, file = 'uv.lock'): LockedPackage[] {
  const doc = parseToml(text, file, 'uv')
  const pkgs: UvPackage[] = tables(doc.package).map((pkg) => {
    const source = table(pkg.source)
    const wheels = tables(pkg.wheels).map((w) => w.hash)
    return {
      name: normalizeName(requireName(pkg, file, 'uv')),
      version: str(pkg.version) ?? '',
      // The project itself is built here, not installed from the lock.
      isRoot: source.virtual === '.' || source.editable === '.',
      hashes: sha256s([table(pkg.sdist).hash, ...wheels]),
      deps: uvDeps(pkg.dependencies),
      optional: uvGroups(pkg['optional-dependencies']),
      dev: uvGroups(pkg['dev-dependencies']),
    }
  })
  const reach = (starts: UvDep[]): Set<UvPackage> => {
    const out = new Set<UvPackage>()
    const seenExtras = new Set<string>()
    const queue = [...starts]
    while (queue.length) {
      const dep = queue.pop()!
      // A name locked at several versions is disambiguated by `version` on the edge.
      for (const p of pkgs.filter((p) => p.name === dep.name && (dep.version === undefined || p.version === dep.version))) {
        if (!out.has(p)) {
          out.add(p)
          queue.push(...p.deps)
        }
        for (const x of dep.extra) {
          const key = `${pkgs.indexOf(p)}[${x}]`
          if (!seenExtras.has(key)) {
            seenExtras.add(key)
            queue.push(...(p.optional[x] ?? []))
          }
        }
      }
    }
    return out
  }
  const groups = new Map<UvPackage, string[]>()
  const mark = (group: string, starts: UvDep[]) => {
    for (const p of reach(starts)) if (!groups.get(p)?.includes(group)) groups.set(p, [...(groups.get(p) ?? []), group])
  }
  const roots = pkgs.filter((p) => p.isRoot)
  for (const r of roots) mark('main', r.deps)
  for (const r of roots) for (const [g, deps] of [...Object.entries(r.optional), ...Object.entries(r.dev)]) mark(g, deps)
  return pkgs
    .filter((p) => !p.isRoot)
    .map((p) => ({
      name: p.name,
      version: p.version,
      hashes: p.hashes,
      // Unreached (no root found, or only a workspace sibling needs it): runtime is the safe guess.
      groups: groups.get(p) ?? ['main'],
    }))
}

/** Pipfile.lock (JSON): `default` is runtime, `develop` is 'dev'. */
export function parsePipfileLock(text: string, file = 'Pipfile.lock'): LockedPackage[] {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    throw malformed(file, 'pipenv', e)
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw malformed(file, 'pipenv', new Error('the top level is not a JSON object'))
  const out: LockedPackage[] = []
  for (const [section, group] of [
    ['default', 'main'],
    ['develop', 'dev'],
  ] as const) {
    for (const [raw, entry] of Object.entries(table((doc as Table)[section]))) {
      const e = table(entry)
      if (e.path === '.') continue // `-e .`: the project itself
      const name = normalizeName(raw)
      const version = (str(e.version) ?? '').replace(/^===?/, '')
      const same = out.find((p) => p.name === name && p.version === version)
      if (same) {
        if (!same.groups.includes(group)) same.groups.push(group)
        continue
      }
      out.push({ name, version, hashes: sha256s(Array.isArray(e.hashes) ? e.hashes : []), groups: [group] })
    }
  }
  return out
}

/**
 * pip constraint lines `name==version`. A name locked at several versions (uv pins per marker) is
 * left out: a single constraint would be wrong for some environment, and pip cannot evaluate the split.
 */
export function lockConstraints(lock: Lock): string[] {
  const versions = new Map<string, Set<string>>()
  for (const p of lock.packages) versions.set(p.name, (versions.get(p.name) ?? new Set()).add(p.version))
  const lines: string[] = []
  for (const [name, vs] of versions) {
    const [v] = vs
    if (vs.size === 1 && v) lines.push(`${name}==${v}`)
  }
  return lines.sort()
}

/** Every runtime requirement the project declares must be in the lock, or the lock predates the change. */
export function checkLockAgainstProject(lock: Lock, declared: string[]): void {
  const locked = new Set(lock.packages.map((p) => p.name))
  const missing = new Set<string>()
  for (const req of declared) {
    if (!req.trim() || req.trim().startsWith('#')) continue
    // pipenv locks only for the platform it ran on, so a marker-gated requirement may rightly be absent.
    if (lock.kind === 'pipenv' && req.includes(';')) continue
    const name = requirementName(req)
    if (!locked.has(name)) missing.add(name)
  }
  if (missing.size) {
    throw new UserError(`${lock.file} is out of step with the project: it does not lock ${[...missing].join(', ')}`, {
      hint: `run \`${REGENERATE[lock.kind]}\` and commit the result`,
    })
  }
}

const stripLocal = (v: string) => v.replace(/\+.*$/, '')

/** Name and version from '{distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl'; undefined for other files. */
function parseWheelName(file: string): { name: string; version: string } | undefined {
  const base = path.basename(file)
  if (!base.endsWith('.whl')) return undefined
  const parts = base.slice(0, -4).split('-')
  if (parts.length !== 5 && parts.length !== 6) return undefined
  return { name: normalizeName(parts[0]), version: parts[1] }
}

/**
 * The wheels pip downloaded must be the ones the lock was made from: same version and, when the lock
 * lists hashes, one of those hashes. All mismatches are reported together so one run shows the whole drift.
 */
export function checkWheelsAgainstLock(lock: Lock, wheels: { file: string; sha256: string }[]): void {
  const problems: string[] = []
  for (const w of wheels) {
    const parsed = parseWheelName(w.file)
    if (!parsed) continue
    const entries = lock.packages.filter((p) => p.name === parsed.name)
    if (!entries.length) continue
    const same = entries.filter((p) => p.version === '' || stripLocal(p.version) === stripLocal(parsed.version))
    if (!same.length) {
      const pins = [...new Set(entries.map((p) => p.version))].join(' or ')
      problems.push(`${parsed.name}: ${lock.file} pins ${pins}; the index gave ${path.basename(w.file)}`)
      continue
    }
    const hashes = new Set(same.flatMap((p) => p.hashes))
    const hex = w.sha256.replace(/^sha256:/i, '').toLowerCase()
    if (hashes.size && !hashes.has(`sha256:${hex}`)) {
      const n = hashes.size
      problems.push(`${parsed.name} ${same[0].version}: the wheel's sha256:${hex.slice(0, 12)}… is not among the ${n} hash${n === 1 ? '' : 'es'} ${lock.file} lists`)
    }
  }
  if (problems.length) {
    const n = problems.length
    throw new UserError(`${n} wheel${n === 1 ? ' does' : 's do'} not match ${lock.file}`, {
      details: problems,
      hint: 'the index serves other files than the lock was made from: update the lock, or point pip at the index the lock was made from ("pip.indexUrl" / "pip.findLinks")',
    })
  }
}

/** One line for the plan and logs, e.g. "poetry.lock (12 packages, hashes for 12)". */
export function describeLock(lock: Lock): string {
  const n = lock.packages.length
  const hashed = lock.packages.filter((p) => p.hashes.length).length
  return `${lock.file} (${n} package${n === 1 ? '' : 's'}, hashes for ${hashed})`
}
