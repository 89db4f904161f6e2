import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fg from 'fast-glob'
import type { LoadedConfig } from './config/load.js'
import type { Config } from './config/schema.js'
import { UserError } from './errors.js'
import { readGit, toImageName, type GitState } from './version.js'

/** Everything derived from the config once: absolute paths, names, the git state. */
export interface Project {
  config: Config
  root: string
  configFile?: string
  app: string
  /** The app's version from pyproject.toml, for the images' OCI labels. */
  version?: string
  /** `<namespace>/<app>`: images are `<prefix>-<image>`. */
  prefix: string
  source: string
  localPackages: string[]
  wheelhouse: string
  dockerDir: string
  git?: GitState
}

/** The Dockerfiles the tool ships: used when a project has no docker/ folder of its own. */
export const builtinDockerDir = fileURLToPath(new URL('../../docker', import.meta.url))

/** The text of a pyproject.toml's `[project]` table (not its `[project.*]` sub-tables). */
const projectTable = (text: string) => text.split(/^\[/m).find((s) => s.startsWith('project]'))

/** A string key of the `[project]` table of a pyproject.toml (enough TOML for name and version). */
export function pyprojectField(text: string, key: string): string | undefined {
  const section = projectTable(text)
  return section?.match(new RegExp(`^${key}\\s*=\\s*["']([^"']+)["']`, 'm'))?.[1]
}

export const pyprojectName = (text: string) => pyprojectField(text, 'name')

/**
 * A string array of the `[project]` table (`dependencies = [...]`, over several lines, with
 * comments), or undefined when it is missing or declared `dynamic`. Enough TOML for PEP 621's
 * dependency list: quoted strings between the brackets.
 */
export function pyprojectArray(text: string, key: string): string[] | undefined {
  const section = projectTable(text)
  if (!section) return undefined
  const dynamic = section.match(/^dynamic\s*=\s*\[([^\]]*)\]/m)?.[1]
  if (dynamic && new RegExp(`["']${key}["']`).test(dynamic)) return undefined
  const start = section.match(new RegExp(`^${key}\\s*=\\s*\\[`, 'm'))
  if (!start) return undefined
  const out: string[] = []
  let quote = ''
  let item = ''
  for (let i = start.index! + start[0].length; i < section.length; i++) {
    const ch = section[i]
    if (quote) {
      if (ch === quote) {
        out.push(item)
        quote = item = ''
      } else item += ch
    } else if (ch === '"' || ch === "'") quote = ch
    else if (ch === '#') i = section.includes('\n', i) ? section.indexOf('\n', i) : section.length
    else if (ch === ']') return out
  }
  return undefined // no closing bracket: not something to guess from
}

/** A distribution name as PEP 503 compares them: `Django`, `django_x.y` → `django`, `django-x-y`. */
export const normalizeName = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-')

export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))
}

export async function openProject(loaded: LoadedConfig): Promise<Project> {
  const { config, root } = loaded
  const abs = (p: string) => path.resolve(root, p)
  const source = abs(config.source)
  const wheelhouse = abs(config.wheelhouse)
  const where = loaded.file ? path.basename(loaded.file) : 'the configuration'
  for (const [key, p] of [['source', source], ['wheelhouse', wheelhouse]] as const) {
    if (!isInside(root, p)) {
      throw new UserError(`${where}: "${key}" (${config[key]}) is outside the project folder ${root}`, {
        hint: `use a path inside the project, relative to ${where}`,
      })
    }
  }
  refuseSecretBuildArgs(config.buildArgs, where)
  const pyproject = path.join(source, 'pyproject.toml')
  const pyprojectText = existsSync(pyproject) ? readFileSync(pyproject, 'utf8') : ''
  const name = config.app ?? pyprojectName(pyprojectText) ?? path.basename(root)
  const app = toImageName(name)
  return {
    config,
    root,
    configFile: loaded.file,
    app,
    version: pyprojectField(pyprojectText, 'version'),
    prefix: `${config.namespace}/${app}`,
    source,
    localPackages: config.localPackages.map(abs),
    wheelhouse,
    // No docker/ folder and none configured: the tool's own Dockerfiles (zero-config release).
    dockerDir: !existsSync(abs(config.dockerDir)) && config.dockerDir === 'docker' ? builtinDockerDir : abs(config.dockerDir),
    git: await readGit(root),
  }
}

/** Names that look like credentials: a build arg's value is kept in the image's history. */
export const SECRET_NAME = /PASSWORD|PASSWD|TOKEN|SECRET|KEY/i

export function refuseSecretBuildArgs(buildArgs: Record<string, string>, where: string): void {
  const secret = Object.keys(buildArgs).find((k) => SECRET_NAME.test(k))
  if (secret) {
    throw new UserError(`${where}: build arg "${secret}" looks like a secret, and build args are stored in the image (docker history shows them)`, {
      hint: `remove it from "buildArgs"; give the app its secrets at run time ("run.env" in .pypackagerc.json, or the environment of your deployment), or, for a build step that needs one, a BuildKit secret mount (RUN --mount=type=secret)`,
    })
  }
}

/** The app must be a Python project: pip needs one of these to build a wheel. */
export function assertPythonProject(project: Project): void {
  for (const dir of [project.source, ...project.localPackages]) {
    if (!['pyproject.toml', 'setup.py'].some((f) => existsSync(path.join(dir, f)))) {
      throw new UserError(`${path.relative(project.root, dir) || '.'} has no pyproject.toml or setup.py`, {
        hint: `point "source" (or "localPackages") in .pypackagerc.json at the folder holding your Python project's pyproject.toml`,
      })
    }
  }
}

/**
 * Django settings and WSGI modules: from config, else found in the source (`<pkg>/settings.py`,
 * `<pkg>/wsgi.py`), so a standard `startproject` layout needs no configuration.
 */
export async function djangoModules(source: string, configured: { settings: string | null; wsgi: string | null }): Promise<{ settings?: string; wsgi?: string }> {
  const find = async (file: string) => {
    const hits = await fg([`*/${file}`, `src/*/${file}`], { cwd: source, ignore: ['**/node_modules/**', 'build/**'] })
    return hits.sort()[0]?.replace(/^src\//, '').replace(/\.py$/, '').replace(/\//g, '.')
  }
  const wsgiModule = configured.wsgi ? undefined : await find('wsgi.py')
  return {
    settings: configured.settings ?? (await find('settings.py')),
    wsgi: configured.wsgi ?? (wsgiModule ? `${wsgiModule}:application` : undefined),
  }
}
