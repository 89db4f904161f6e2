import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LoadedConfig } from './config/load.js'
import type { Config } from './config/schema.js'
import { UserError } from './errors.js'
import { resolvePython, type PythonChoice } from './python.js'
import { detectShape, type Shape } from './shape/detect.js'
import { readPyproject } from './shape/pyproject.js'
import { readGit, type GitRead, type GitState } from './git.js'
import { toImageName } from './tags.js'

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
  /** Why git would not read the project's checkout (another user owns it), with the fix: said once per run. */
  gitUntrusted?: { repo: string; fix: string }
  /** The Python the release runs and its OS image, found once on first use (lib/python.ts); a UserError when it cannot be had. */
  python(): PythonChoice
  /** The project's shape (package or application, entry point, tests, lock), found once on first use. */
  shape(): Promise<Shape>
}

/** The Dockerfiles the tool ships: used when a project has no docker/ folder of its own. */
export const builtinDockerDir = fileURLToPath(new URL('../../docker', import.meta.url))

export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))
}

/**
 * `early`: git's answer for `root`, asked while the config was read (cli.ts): used when the
 * config's root is that folder, else git is asked here.
 */
export async function openProject(loaded: LoadedConfig, early?: { root: string; git: Promise<GitRead> }): Promise<Project> {
  const { config, root } = loaded
  const abs = (p: string) => path.resolve(root, p)
  const source = abs(config.source)
  const wheelhouse = abs(config.wheelhouse)
  const where = loaded.file ? path.basename(loaded.file) : 'the configuration'
  for (const [key, p] of [
    ['source', source],
    ['wheelhouse', wheelhouse],
  ] as const) {
    if (!isInside(root, p)) {
      throw new UserError(`${where}: "${key}" (${config[key]}) is outside the project folder ${root}`, {
        hint: `use a path inside the project, relative to ${where}`,
      })
    }
  }
  refuseSecretBuildArgs(config.buildArgs, where)
  let shape: Promise<Shape> | undefined
  let python: PythonChoice | undefined
  const pythonOf = () => (python ??= resolvePython({ root, source, config, where }))
  const pyproject = readPyproject(source)
  const name = config.app ?? pyproject?.name ?? path.basename(root)
  const app = toImageName(name)
  const git = await (early?.root === root ? early.git : readGit(root))
  return {
    config,
    root,
    configFile: loaded.file,
    app,
    version: pyproject?.version,
    prefix: `${config.namespace}/${app}`,
    source,
    localPackages: config.localPackages.map(abs),
    wheelhouse,
    // No docker/ folder and none configured: the tool's own Dockerfiles (zero-config release).
    dockerDir: !existsSync(abs(config.dockerDir)) && config.dockerDir === 'docker' ? builtinDockerDir : abs(config.dockerDir),
    git: git.state,
    gitUntrusted: git.untrusted,
    python: pythonOf,
    shape: () => (shape ??= detectShape(source, config)),
  }
}

/** The app's environment in containers we run: "release.env" (what its settings need), then "run.env". */
export const appEnv = (config: Config): Record<string, string> => ({ ...config.release.env, ...config.run.env })

/** Names that look like credentials: a build arg's value is kept in the image's history. */
const SECRET_NAME = /PASSWORD|PASSWD|TOKEN|SECRET|KEY/i

export function refuseSecretBuildArgs(buildArgs: Record<string, string>, where: string): void {
  const secret = Object.keys(buildArgs).find((k) => SECRET_NAME.test(k))
  if (secret) {
    throw new UserError(`${where}: build arg "${secret}" looks like a secret, and build args are stored in the image (docker history shows them)`, {
      hint: `remove it from "buildArgs"; give the app its secrets at run time ("run.env" in .pypackagerc.json, or the environment of your deployment), or, for a build step that needs one, a BuildKit secret mount (RUN --mount=type=secret)`,
    })
  }
}

/** Local packages are built by pip: each needs packaging metadata (the app itself may be an application). */
export function assertLocalPackages(project: Project): void {
  for (const dir of project.localPackages) {
    if (!['pyproject.toml', 'setup.py'].some((f) => existsSync(path.join(dir, f)))) {
      throw new UserError(`${path.relative(project.root, dir) || '.'} has no pyproject.toml or setup.py`, {
        hint: `every folder in "localPackages" must be a Python package (pyproject.toml or setup.py); fix "localPackages" in .pypackagerc.json`,
      })
    }
  }
}
