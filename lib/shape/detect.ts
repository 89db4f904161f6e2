import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { glob } from '../glob.js'
import type { Config } from '../config/schema.js'
import { UserError } from '../errors.js'
import { definesDatabase } from './django.js'
import { findDatabaseCommand, findEntry, type Entry } from './entry.js'
import { readLock, type Lock } from './locks.js'
import { readPipfile, type Pipfile } from './pipfile.js'
import { sqliteBesideCode, sqliteFiles } from './sqlite.js'
export { sqliteFiles } from './sqlite.js'
import { findStatic, type StaticSource } from './static.js'
import { wrapServerCommand, type WrappedCommand } from './wrap.js'
import { moduleFile } from './modules.js'
import { readProcfile } from './procfile.js'
import { readRequirements } from './requirements.js'
import { readPyproject, requirementName, type Pyproject } from './pyproject.js'
import { testPlan, type TestPlan } from './tests.js'

/**
 * What kind of project the source is, found from its files: how its own code becomes a wheel,
 * where its dependencies are declared, what the release serves, how its tests run.
 */
export interface Shape {
  /** package: it has packaging metadata (pip builds it); application: the tool packs its code. */
  kind: 'package' | 'application'
  /** For messages: "flit_core.buildapi", "setup.py (setuptools)", "the tool's app wheel". */
  backend: string
  pyproject?: Pyproject
  /** Requirement files (relative to the source) pip resolves with `-r`. */
  requirements: string[]
  /** Requirements the app wheel declares itself (an application's [project] dependencies). */
  declared: string[]
  lock?: Lock
  /** The Pipfile's [packages] and [dev-packages], when there is one. */
  pipfile?: Pipfile
  entry?: Entry
  settings?: string
  /** Django: whether the settings define a database (false: `DATABASES = {}`, so nothing to migrate). */
  database?: boolean
  /** The release-phase command: a Procfile `release:` line, config, or Django's migrate (when there is a database). */
  releaseCommand?: string
  /** A command that looks like it creates the database (Flask's init-db), when no release phase is set: init names it. */
  databaseCommand?: string
  /** sqlite files the settings keep next to the code (or, not Django, at its root or opened by a relative name): made writable in the image (/app/data). */
  sqlite: string[]
  /** A Django app served by a command (a Procfile web: line): that command with the tool's static-serving wrapper around the app it names; none when it names none. */
  wrapped?: WrappedCommand
  /** Not Django: where its static files come from (none: none found). */
  static?: StaticSource
  tests: TestPlan
  /** Distributions the server needs, added to the release when the app's dependencies lack them. */
  server: string[]
  /** Whether the app's declared dependencies already hold the server; undefined when they are not known statically. */
  serverDeclared?: boolean
}

/** A shape as an event carries it: the facts, without the parsed pyproject. */
export function shapeFacts(shape: Shape): Omit<Shape, 'pyproject'> {
  const { pyproject: _, ...facts } = shape
  return facts
}

/**
 * Requirement files of an application, in the order tried when "requirements" is not set: what
 * production installs before what every environment shares (production's usually `-r`s base's).
 */
const REQUIREMENT_FILES = [
  'requirements.txt',
  'requirements-production.txt',
  'requirements-prod.txt',
  'requirements/production.txt',
  'requirements/prod.txt',
  'requirements/base.txt',
  'requirements/main.txt',
  'requirements/common.txt',
]

/** Servers a Procfile command may start, by the distribution that provides them. */
const SERVERS: Record<string, string[]> = { gunicorn: ['gunicorn'], uvicorn: ['uvicorn'], 'waitress-serve': ['waitress'], daphne: ['daphne'], hypercorn: ['hypercorn'] }

const exists = (dir: string, rel: string) => existsSync(path.join(dir, rel))

/** Package or application, and the backend that builds it. Pure apart from reading the folder. */
export function packaging(source: string, pyproject: Pyproject | undefined): { kind: Shape['kind']; backend: string } {
  if (pyproject?.hasBuildSystem) return { kind: 'package', backend: pyproject.backend ?? 'setuptools.build_meta:__legacy__' }
  if (exists(source, 'setup.py')) return { kind: 'package', backend: 'setup.py (setuptools)' }
  // A pyproject without [build-system] and without setup.py is what `uv init --app` makes: an
  // application whose code is not meant to be a package. The tool packs it.
  return { kind: 'application', backend: "the tool's app wheel" }
}

export async function detectShape(source: string, config: Config): Promise<Shape> {
  const pyproject = readPyproject(source)
  const { kind, backend } = packaging(source, pyproject)
  const pyFiles = kind === 'application' ? await glob(['*.py', '*/__init__.py', 'src/*/__init__.py'], { cwd: source, deep: 3 }) : []
  const requirements = kind === 'application' ? requirementFiles(source, config.requirements) : []
  if (kind === 'application' && !pyFiles.length && !requirements.length && !pyproject) {
    throw new UserError(`${source} holds no Python project: no pyproject.toml, setup.py, manage.py, requirements.txt or Python package`, {
      hint: `run the tool in your Python project's folder, or point "source" in .pypackagerc.json at the folder of its code`,
    })
  }
  const lock = await readLock(source, config.lock ?? undefined)
  const pipfile = readPipfile(source)
  const procfile = readProcfile(source)
  const found = await findEntry(source)
  const release = config.release
  const entry: Entry | undefined = release.wsgi
    ? { kind: 'wsgi', target: release.wsgi, framework: found?.framework ?? 'wsgi', from: '.pypackagerc.json' }
    : release.asgi
      ? { kind: 'asgi', target: release.asgi, framework: 'asgi', from: '.pypackagerc.json' }
      : release.command
        ? { kind: 'command', target: release.command, framework: found?.framework ?? 'wsgi', from: '.pypackagerc.json' }
        : procfile
          ? { kind: 'command', target: procfile.web, framework: found?.framework ?? 'wsgi', from: 'Procfile' }
          : found
  const settings = release.settings ?? found?.settings ?? (found?.framework === 'django' || exists(source, 'manage.py') ? djangoSettings(source) : undefined)
  const declared = kind === 'application' ? applicationRequirements(pyproject, pipfile, lock, requirements) : []
  const server = serverFor(entry)
  const known = knownRequirements({ kind, pyproject, declared, requirements }, source)
  const database = settings ? definesDatabase(source, settings) : undefined
  const releaseCommand = release.releaseCommand ?? procfile?.release ?? (database ? 'python -m django migrate --noinput' : undefined)
  return {
    kind,
    backend,
    pyproject,
    requirements,
    declared,
    lock,
    pipfile,
    entry,
    settings,
    ...(database === undefined ? {} : { database }),
    releaseCommand,
    databaseCommand: !releaseCommand && entry ? await findDatabaseCommand(source, entry) : undefined,
    ...(await serving(source, { entry, found, settings })),
    tests: testPlan(source, config, pyproject, settings, pipfile),
    server,
    serverDeclared: known ? server.every((s) => requires(known, s)) : undefined,
  }
}

/** How the release serves the app's files: its sqlite files, its static files, the wrapper around a Django app's server command. */
async function serving(source: string, o: { entry?: Entry; found?: Entry; settings?: string }): Promise<Pick<Shape, 'sqlite' | 'wrapped' | 'static'>> {
  if (!o.settings) {
    const found = await findStatic(source, o.entry?.kind === 'command' ? o.found : o.entry)
    return { sqlite: await sqliteBesideCode(source), ...(found ? { static: found } : {}) }
  }
  const wrapped = o.entry?.kind === 'command' ? wrapServerCommand(o.entry.target, (m) => moduleFile(source, m) !== undefined) : undefined
  return { sqlite: sqliteFiles(source, o.settings), ...(wrapped ? { wrapped } : {}) }
}

/** The requirement files of an application: configured, else the first of REQUIREMENT_FILES present. */
export function requirementFiles(source: string, configured: string[] | null): string[] {
  if (configured) {
    for (const f of configured) {
      if (!exists(source, f)) throw new UserError(`"requirements" names ${f}, which does not exist`, { hint: 'fix the path (relative to "source") in .pypackagerc.json' })
    }
    return configured
  }
  const first = REQUIREMENT_FILES.find((f) => exists(source, f))
  return first ? [first] : []
}

/** Every requirement known statically: a package's [project] dependencies (undefined: none declared statically); an application's own and its requirement files' lines. */
export function knownRequirements(shape: Pick<Shape, 'kind' | 'pyproject' | 'declared' | 'requirements'>, source: string): string[] | undefined {
  return shape.kind === 'package' ? shape.pyproject?.dependencies : [...shape.declared, ...readRequirements(source, shape.requirements).map((r) => r.text)]
}

/**
 * What an application's own wheel declares: its [project] dependencies (a uv application), else,
 * with no requirement files, its Pipfile's [packages] (the lock's pins then constrain them), else
 * the packages a lock without a Pipfile pins for runtime.
 */
function applicationRequirements(pyproject: Pyproject | undefined, pipfile: Pipfile | undefined, lock: Lock | undefined, requirements: string[]): string[] {
  if (pyproject?.dependencies?.length) return pyproject.dependencies
  if (!requirements.length && pipfile) return pipfile.packages
  if (!requirements.length && lock) return lock.packages.filter((p) => p.groups.includes('main')).map((p) => `${p.name}==${p.version}`)
  return []
}

/**
 * What the lock must hold: the project's runtime requirements and, for Pipfile.lock, the Pipfile's
 * [packages] (what pipenv locked from: compared with the lock itself, nothing would ever be missing).
 */
export function requirementsToLock(shape: Pick<Shape, 'kind' | 'pyproject' | 'declared' | 'lock' | 'pipfile'>): string[] {
  const own = shape.kind === 'package' ? (shape.pyproject?.dependencies ?? []) : shape.declared
  return shape.lock?.kind === 'pipenv' && shape.pipfile ? [...new Set([...own, ...shape.pipfile.packages])] : own
}

/** The distributions a server needs: gunicorn for WSGI, + uvicorn's worker for ASGI, or what a Procfile starts. */
export function serverFor(entry: Entry | undefined): string[] {
  if (!entry) return []
  if (entry.kind === 'wsgi') return ['gunicorn']
  if (entry.kind === 'asgi') return ['gunicorn', 'uvicorn']
  // `gunicorn …`, `python -m gunicorn …`, `exec uvicorn …`
  const words = entry.target
    .trim()
    .split(/\s+/)
    .filter((w) => w !== 'exec')
  const first = words[0]?.startsWith('python') && words[1] === '-m' ? words[2] : words[0]
  return SERVERS[first] ?? []
}

/** `DJANGO_SETTINGS_MODULE` as manage.py sets it. */
function djangoSettings(source: string): string | undefined {
  const manage = path.join(source, 'manage.py')
  if (!existsSync(manage)) return undefined
  return readFileSync(manage, 'utf8').match(/DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)['"]/)?.[1]
}

/** True when the requirement list names the distribution. */
export const requires = (reqs: string[], name: string) => reqs.some((r) => requirementName(r) === name)
