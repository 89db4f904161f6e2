import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parseToml, table } from './toml.js'

/** What a Pipfile declares, as PEP 508 requirement strings: what pipenv locks from. */
export interface Pipfile {
  /** [packages]: the runtime dependencies. The project itself (`path = "."`) is left out. */
  packages: string[]
  /** [dev-packages]: the tools to develop and test with. */
  devPackages: string[]
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** Marker keys pipenv accepts beside `markers` (`sys_platform = "== 'linux'"`). */
const MARKER_KEYS = [
  'os_name',
  'sys_platform',
  'platform_machine',
  'platform_python_implementation',
  'platform_release',
  'platform_system',
  'platform_version',
  'python_version',
  'python_full_version',
  'implementation_name',
  'implementation_version',
]

/** `<dir>/Pipfile`, parsed; undefined when there is none. */
export function readPipfile(dir: string): Pipfile | undefined {
  const file = path.join(dir, 'Pipfile')
  return existsSync(file) ? parsePipfile(readFileSync(file, 'utf8'), file) : undefined
}

export function parsePipfile(text: string, file = 'Pipfile'): Pipfile {
  const doc = parseToml(text, file, 'pipenv')
  const section = (name: string) => Object.entries(table(doc[name])).flatMap(([pkg, spec]) => pipfileRequirement(pkg, spec))
  return { packages: section('packages'), devPackages: section('dev-packages') }
}

/**
 * One Pipfile entry as a requirement: `django = "<4"` → `django<4`; `requests = {version = "*",
 * extras = ["socks"], markers = "…"}` → `requests[socks]; …`; a git source → `name @ git+url@ref`.
 * The project itself (`path = "."`) is no requirement: []. Pure.
 */
export function pipfileRequirement(name: string, spec: unknown): string[] {
  if (typeof spec === 'string') return [`${name}${versionOf(spec)}`]
  const t = table(spec)
  if (str(t.path) === '.' || str(t.path) === './') return []
  const extras = Array.isArray(t.extras) && t.extras.length ? `[${t.extras.filter((x) => typeof x === 'string').join(',')}]` : ''
  const markers = [str(t.markers), ...MARKER_KEYS.filter((k) => typeof t[k] === 'string').map((k) => `${k} ${(t[k] as string).trim()}`)].filter(Boolean)
  const git = str(t.git)
  const url = git ? `git+${git.replace(/^git\+/, '')}${str(t.ref) ? `@${str(t.ref)}` : ''}` : str(t.file)
  const base = url ? `${name}${extras} @ ${url}` : `${name}${extras}${versionOf(str(t.version) ?? '*')}`
  return [markers.length ? `${base}${url ? ' ' : ''}; ${markers.join(' and ')}` : base]
}

/** pipenv's `*` is any version; anything else is a PEP 440 specifier as it is. */
const versionOf = (v: string) => (v.trim() === '*' || v.trim() === '' ? '' : v.trim())
