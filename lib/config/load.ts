import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { UserError } from '../errors.js'
import { loadSchema, type Config } from './schema.js'
import { validate } from './validate.js'

const MODULE = 'pypackage'

/** Every place cosmiconfig looks, in order, inside the project root (never above it). */
const searchPlaces = [
  'package.json',
  `.${MODULE}rc`,
  `.${MODULE}rc.json`,
  `.${MODULE}rc.yaml`,
  `.${MODULE}rc.yml`,
  `.${MODULE}rc.js`,
  `.${MODULE}rc.cjs`,
  `.${MODULE}rc.mjs`,
  `.config/${MODULE}rc`,
  `.config/${MODULE}rc.json`,
  `.config/${MODULE}rc.yaml`,
  `.config/${MODULE}rc.yml`,
  `${MODULE}.config.js`,
  `${MODULE}.config.cjs`,
  `${MODULE}.config.mjs`,
]

// manage.py and requirements.txt: an application without packaging metadata is a project too.
const projectMarkers = ['pyproject.toml', 'setup.py', 'manage.py', 'requirements.txt', 'Pipfile', '.git', ...searchPlaces.filter((p) => p !== 'package.json')]

export interface LoadedConfig {
  config: Config
  /** Folder every relative path in the config is resolved against. */
  root: string
  /** The file the config came from, or undefined when defaults alone apply. */
  file?: string
}

/**
 * The project root: the nearest folder, from `cwd` upwards, that holds a config file, a Python
 * project file or .git. We search up (so the tool works from a sub-folder) but never past that
 * root: a config file in a parent project or in $HOME must not leak into this one.
 */
export function findProjectRoot(cwd: string): string {
  let dir = path.resolve(cwd)
  for (;;) {
    if (projectMarkers.some((m) => existsSync(path.join(dir, m))) || hasPackageConfig(dir)) return dir
    const parent = path.dirname(dir)
    if (parent === dir) return path.resolve(cwd)
    dir = parent
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** A package.json marks the root only when it carries our key: most are some other tool's. */
function hasPackageConfig(dir: string): boolean {
  try {
    return MODULE in JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))
  } catch {
    return false // absent or not JSON: not a config of ours
  }
}

/** The folder the config's paths are relative to: --config's folder, else the project root found from `cwd`. */
export function projectRootOf(opts: { cwd: string; file?: string }): string {
  return opts.file ? path.dirname(path.resolve(opts.cwd, opts.file)) : findProjectRoot(opts.cwd)
}

/** A JSON file's value; `absent` when there is none; undefined when it cannot be read or parsed. */
function readJson(file: string): { value: unknown } | 'absent' | undefined {
  try {
    return { value: JSON.parse(readFileSync(file, 'utf8')) }
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : undefined
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** cosmiconfig's own settings (its "meta config") can be put in the working folder: where it looks. */
const cosmiconfigMeta = ['package.yaml', '.config/config.json', '.config/config.yaml', '.config/config.yml', '.config/config.js', '.config/config.ts', '.config/config.cjs', '.config/config.mjs']

/**
 * What cosmiconfig's search of `root` finds, when the answer is plain: no meta config in `cwd`,
 * no "pypackage" key in package.json, then a .pypackagerc.json holding a JSON object without
 * $import (null: no config file at all). Undefined when in any doubt: then cosmiconfig searches
 * (and words any error), loaded only then, as most runs find their .pypackagerc.json plainly.
 */
function plainSearch(root: string, cwd: string): { config: Record<string, unknown>; filepath: string } | null | undefined {
  const noKey = (file: string, key: string) => {
    const json = readJson(file)
    return json === 'absent' || (json !== undefined && isPlainObject(json.value) && !(key in json.value))
  }
  if (cosmiconfigMeta.some((f) => existsSync(path.join(cwd, f))) || !noKey(path.join(cwd, 'package.json'), 'cosmiconfig')) return undefined
  if (!noKey(path.join(root, 'package.json'), MODULE) || existsSync(path.join(root, `.${MODULE}rc`))) return undefined
  const filepath = path.join(root, `.${MODULE}rc.json`)
  const json = readJson(filepath)
  if (json === 'absent') return searchPlaces.slice(3).some((f) => existsSync(path.join(root, f))) ? undefined : null
  return json && isPlainObject(json.value) && !('$import' in json.value) ? { config: json.value, filepath } : undefined
}

/** Load, validate and default the configuration. Throws one UserError listing every problem. */
export async function loadConfig(opts: { cwd: string; file?: string }): Promise<LoadedConfig> {
  let result
  const root0 = projectRootOf(opts)
  const plain = opts.file ? undefined : plainSearch(root0, process.cwd())
  // cosmiconfig is CommonJS: its exports are the default export of the import (in the bundle, only there).
  const explorer = plain === undefined ? (await import('cosmiconfig')).default.cosmiconfig(MODULE, { searchPlaces, searchStrategy: 'none', cache: false }) : undefined
  try {
    result = plain !== undefined ? plain : opts.file ? await explorer!.load(path.resolve(opts.cwd, opts.file)) : await explorer!.search(root0)
  } catch (e) {
    const err = e as NodeJS.ErrnoException
    const found = err.message.match(/(\/[^\s:]+)/)?.[1]
    const where = opts.file ?? (found ? path.relative(opts.cwd, found) || path.basename(found) : 'the configuration file')
    if (err.code === 'ENOENT') {
      throw new UserError(`config file ${opts.file} not found`, { hint: 'check the --config path', cause: e })
    }
    // cosmiconfig's first line only names the file; the parser's own line says what and where.
    const detail = err.message
      // eslint-disable-next-line no-control-regex -- ESC starts a terminal colour code
      .replace(/\x1b\[[0-9;]*m/g, '') // the code frame may be coloured
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l && !/^(JSON|YAML) Error in /.test(l) && !/^[>|]/.test(l) && !/^\d+ \|/.test(l))
    const yaml = /\.ya?ml$|rc$/.test(where)
    throw new UserError(`cannot read ${where}${detail ? `: ${detail}` : ''}`, {
      hint: yaml ? 'fix the YAML syntax' : 'fix the syntax (JSON needs double quotes and no trailing commas)',
      cause: e,
    })
  }
  const file = result?.filepath
  // Paths are relative to the project root (the folder searched, or --config's folder), so a
  // config in .config/ means the same as one at the top.
  const root = root0
  const raw = result?.config ?? {}
  const shown = file ? path.relative(opts.cwd, file) || path.basename(file) : 'the defaults'
  const { value, problems } = validate(raw, loadSchema(), (p) => isDir(path.resolve(root, p)))
  if (problems.length) {
    const [first, ...rest] = problems
    throw new UserError(`${shown}: ${first.message}`, {
      hint: first.fix,
      details: rest.map((p) => `${p.message} (${p.fix})`),
    })
  }
  return { config: value as Config, root, file }
}
