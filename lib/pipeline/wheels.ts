import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import fg from 'fast-glob'
import type { Context } from '../context.js'
import type { PipConfig } from '../config/schema.js'
import { LABEL_PROJECT, labelsFor } from '../docker/labels.js'
import { runContainer } from '../docker/run.js'
import { UserError } from '../errors.js'
import type { Project } from '../project.js'
import { formatMs, type StageEvent } from '../render/events.js'
import { hashFile, sha256, type Inputs } from './inputs.js'
import { BUILD_WHEEL_PY } from './pep517.js'

/** Written next to the wheels: what they were built from, and which wheel came from which package. */
export const MANIFEST = 'pypackage-wheels.json'

export interface WheelManifest {
  /** The build's inputs (source files, builder image, pip settings): the next run compares them. */
  inputs: Inputs
  /** Local package key ("app" or the folder name) → the wheel built from it. */
  packages: Record<string, string>
  /** Every other wheel: the dependencies. */
  dependencies: string[]
  /** Wheel file → sha256 (hex), as written: what the release build's inputs are made of. */
  sha256: Record<string, string>
}

export const MOUNT = { source: '/application', wheelhouse: '/wheelhouse', packages: '/packages', findLinks: '/find-links', previous: '/previous', pipCache: '/pip-cache' }
/** A named volume for pip's cache: downloads from an index survive between builds. */
export const PIP_CACHE_VOLUME = 'pypackage-tasks-pip-cache'

/** Never part of a source's inputs, nor copied for the build: caches, VCS, build leftovers. */
export const EXCLUDE_ANYWHERE = ['.git', 'node_modules', '__pycache__', '*.pyc', '*.egg-info', '.pytest_cache', '.mypy_cache', '.tox']
/** The same, at a package's top level only (a Python package may well be called `build`). */
export const EXCLUDE_TOP = ['build', 'dist', '.pypackage', '.venv', 'venv', '.cache']

/** A Python project we build from source: the app, or one of `localPackages`. */
export interface LocalPackage {
  key: string
  dir: string
  /** Where it is mounted in the builder. */
  mount: string
}

export function localPackages(project: Project): LocalPackage[] {
  const taken = new Set(['app'])
  return [
    { key: 'app', dir: project.source, mount: MOUNT.source },
    ...project.localPackages.map((dir) => {
      // Keys name folders in the builder: two packages called `core` become core and core-2.
      let key = path.basename(dir)
      for (let i = 2; taken.has(key); i++) key = `${path.basename(dir)}-${i}`
      taken.add(key)
      return { key, dir, mount: `${MOUNT.packages}/${key}` }
    }),
  ]
}

/** The pip.findLinks folders as read-only mounts: where each is on the host and in the container. */
export function findLinksMounts(project: Project): { host: string; mount: string }[] {
  return project.config.pip.findLinks.map((f, i) => ({ host: path.resolve(project.root, f), mount: `${MOUNT.findLinks}/${i}` }))
}

/** `uid:gid` of this process: files a root container writes for us are given back to it. */
export const hostOwner = (): string | undefined => (typeof process.getuid === 'function' ? `${process.getuid()}:${process.getgid!()}` : undefined)

/** A fresh folder for one run's work under the project's .pypackage/ (removeStaging takes it away). */
export async function makeStaging(project: Project, name: string, runId: string): Promise<string> {
  const dir = path.join(project.root, '.pypackage', `${name}-${runId}`)
  await mkdir(dir, { recursive: true })
  return dir
}

export async function removeStaging(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
  // .pypackage/ only when empty: another run may be using it (ENOTEMPTY is the expected refusal).
  await rmdir(path.dirname(dir)).catch(() => undefined)
}

/** pip settings as environment for the builder container: the image itself stays index-agnostic. */
export function pipEnv(pip: PipConfig, findLinksMounts: string[]): Record<string, string> {
  const env: Record<string, string> = { PIP_DISABLE_PIP_VERSION_CHECK: '1' }
  if (pip.noIndex) env.PIP_NO_INDEX = '1'
  if (pip.indexUrl) env.PIP_INDEX_URL = pip.indexUrl
  if (pip.extraIndexUrls.length) env.PIP_EXTRA_INDEX_URL = pip.extraIndexUrls.join(' ')
  if (findLinksMounts.length) env.PIP_FIND_LINKS = findLinksMounts.join(' ')
  return env
}

/** The files of one package that make its wheel: excludes, the wheelhouse and nested packages left out. */
export async function packageFiles(pkg: LocalPackage, others: LocalPackage[], wheelhouse: string, alsoSkip: string[] = []): Promise<string[]> {
  const nested = [...others.map((o) => o.dir), wheelhouse, ...alsoSkip]
    .map((d) => path.relative(pkg.dir, d))
    .filter((rel) => rel && !rel.startsWith('..') && !path.isAbsolute(rel))
  const ignore = [...EXCLUDE_ANYWHERE.flatMap((e) => [`**/${e}`, `**/${e}/**`]), ...[...EXCLUDE_TOP, ...nested].map((e) => `${e}/**`)]
  const files = await fg('**/*', { cwd: pkg.dir, dot: true, onlyFiles: true, followSymbolicLinks: false, ignore })
  return files.sort().map((f) => path.join(pkg.dir, f))
}

/** Inputs of the wheel build: every source file of every package, the builder image, pip settings. */
export async function wheelInputs(project: Project, builderId: string): Promise<Inputs> {
  const pkgs = localPackages(project)
  const inputs: Inputs = { builder: builderId, pip: sha256(JSON.stringify(project.config.pip)).slice(0, 16) }
  for (const pkg of pkgs) {
    // What the tool itself writes or reads beside the source (the release manifest, the Dockerfiles)
    // is not the package's source: changing it must not rebuild wheels.
    const tooling = [`${project.wheelhouse}-manifest.json`, project.dockerDir, path.join(project.root, '.pypackage')]
    for (const f of await packageFiles(pkg, pkgs.filter((o) => o !== pkg), project.wheelhouse, tooling)) {
      inputs[`file:${path.relative(project.root, f)}`] = await hashFile(f)
    }
  }
  return inputs
}

/** The package a `file:` input belongs to: the deepest package folder holding it. */
export function ownerOf(rel: string, pkgs: { key: string; rel: string }[]): string | undefined {
  return pkgs
    .filter((p) => p.rel === '' || rel === p.rel || rel.startsWith(`${p.rel}/`))
    .sort((a, b) => b.rel.length - a.rel.length)[0]?.key
}

/**
 * Which packages need a new wheel: all when nothing was built before or the builder or pip
 * settings changed; otherwise only those whose files changed or whose wheel is gone. Pure.
 */
export function packagesToBuild(previous: WheelManifest | undefined, inputs: Inputs, pkgs: { key: string; rel: string }[]): string[] {
  if (!previous || previous.inputs.builder !== inputs.builder || previous.inputs.pip !== inputs.pip) return pkgs.map((p) => p.key)
  const changed = new Set<string>()
  const keys = new Set([...Object.keys(previous.inputs), ...Object.keys(inputs)])
  for (const key of keys) {
    if (!key.startsWith('file:') || previous.inputs[key] === inputs[key]) continue
    const owner = ownerOf(key.slice(5), pkgs)
    if (owner) changed.add(owner)
  }
  return pkgs.filter((p) => changed.has(p.key) || !previous.packages[p.key]).map((p) => p.key)
}

/** `tar --exclude` flags for copying a package's source in the builder (the same rules as its inputs). */
export const tarExcludes = (wheelhouseRel?: string) =>
  [...EXCLUDE_ANYWHERE.map((e) => `--exclude='${e}'`), ...[...EXCLUDE_TOP, ...(wheelhouseRel ? [wheelhouseRel] : [])].map((e) => `--exclude='./${e}'`)].join(' ')

/** Where the builder script writes the PEP 517 frontend (BUILD_WHEEL_PY) before using it. */
export const FRONTEND = '/tmp/build_wheel.py'

/**
 * The builder's shell script. Sources are mounted read-only and copied first: a build runs
 * in-tree and would leave root-owned build/ and *.egg-info in the user's folder. Changed packages
 * are built without their dependencies (without build isolation: by our PEP 517 frontend, which
 * calls the backend directly; with it: by pip), unchanged ones reuse their previous wheel, then
 * everything is resolved together with the previous wheelhouse as a find-links folder, so
 * dependency wheels are reused.
 */
export function builderScript(opts: {
  build: LocalPackage[]
  reuse: { key: string; wheel: string }[]
  buildIsolation: boolean
  hasPrevious: boolean
  /** The previous build's wheels of the packages being rebuilt, and its dependency wheels. */
  previous?: { wheels: Record<string, string>; dependencies: string[] }
  wheelhouseRel?: string
  owner?: string
}): string {
  const prev = opts.previous
  const rebuiltBefore = prev ? opts.build.map((p) => prev.wheels[p.key]) : []
  // When every rebuilt wheel declares the same Requires-Dist as before, the dependency set
  // cannot have changed: the previous dependency wheels are reused instead of resolving again.
  const pairs = prev && rebuiltBefore.every(Boolean) ? opts.build.map((p, i) => `/tmp/local/${p.key}=${MOUNT.previous}/${rebuiltBefore[i]}`) : []
  const lines = ['set -eu', 'mkdir -p /tmp/src /tmp/local /tmp/all', `cat > ${FRONTEND} <<'PY'`, BUILD_WHEEL_PY.trim(), 'PY']
  opts.build.forEach((p, i) => {
    lines.push(
      `mkdir -p /tmp/src/${p.key} /tmp/local/${p.key}`,
      `tar -C ${p.mount} ${tarExcludes(p.key === 'app' ? opts.wheelhouseRel : undefined)} -cf - . | tar -C /tmp/src/${p.key} -xf -`,
      opts.buildIsolation
        ? `pip wheel --no-deps --wheel-dir /tmp/local/${p.key} /tmp/src/${p.key}`
        : // The last build also compares Requires-Dist: one Python start less.
          [`python ${FRONTEND} /tmp/src/${p.key} /tmp/local/${p.key}`, ...(i === opts.build.length - 1 ? pairs : [])].join(' '),
    )
  })
  if (opts.buildIsolation && pairs.length) lines.push(`python ${FRONTEND} --compare ${pairs.join(' ')}`)
  for (const r of opts.reuse) lines.push(`mkdir -p /tmp/local/${r.key} && cp ${MOUNT.previous}/${r.wheel} /tmp/local/${r.key}/`)
  const links = [...opts.build, ...opts.reuse].map((p) => `--find-links /tmp/local/${p.key}`)
  if (opts.hasPrevious) links.push(`--find-links ${MOUNT.previous}`)
  const resolve = `pip wheel --wheel-dir /tmp/all ${links.join(' ')} /tmp/local/*/*.whl`
  if (prev && pairs.length) {
    lines.push(
      'if [ -e /tmp/requires-unchanged ]; then',
      `  echo "dependencies unchanged: reusing ${prev.dependencies.length} wheels"`,
      `  cp /tmp/local/*/*.whl /tmp/all/${prev.dependencies.length ? ` && (cd ${MOUNT.previous} && cp ${prev.dependencies.join(' ')} /tmp/all/)` : ''}`,
      'else',
      `  ${resolve}`,
      'fi',
    )
  } else {
    lines.push(resolve)
  }
  lines.push(
    `cp -r /tmp/local ${MOUNT.wheelhouse}/local && mkdir -p ${MOUNT.wheelhouse}/all && cp /tmp/all/*.whl ${MOUNT.wheelhouse}/all/`,
  )
  if (opts.owner) lines.push(`chown -R ${opts.owner} ${MOUNT.wheelhouse}`)
  return lines.join('\n')
}

/** Read the manifest of a wheelhouse; undefined when it has none or any wheel it lists is gone. */
export async function readManifest(wheelhouse: string): Promise<WheelManifest | undefined> {
  try {
    const m = JSON.parse(await readFile(path.join(wheelhouse, MANIFEST), 'utf8')) as WheelManifest
    const present = new Set(await readdir(wheelhouse))
    const local = Object.values(m.packages ?? {})
    return m.inputs && m.sha256 && local.length && [...local, ...m.dependencies].every((w) => present.has(w)) ? m : undefined
  } catch {
    return undefined // no manifest, or one from an older layout: the wheels are rebuilt
  }
}

/** Name a pip failure's likely cause from its output. */
export function pipHint(lines: string[]): string {
  const text = lines.join('\n')
  const missing = text.match(/No matching distribution found for ([^\s]+)/)
  if (missing) return `pip cannot find ${missing[1]}: add a folder holding it to "pip.findLinks", or set "pip.indexUrl" in .pypackagerc.json`
  if (/error: command '.*(gcc|cc)' failed|fatal error: .*\.h: No such file/.test(text))
    return 'a C extension failed to compile: fix the source, or add the missing headers/compiler to docker/builder/Dockerfile'
  if (/Could not find a version that satisfies|requires a different Python/.test(text)) return 'a dependency has no wheel or sdist usable here: check versions and "pip.findLinks"'
  return "read pip's output above; run with --verbose for the whole log"
}

/**
 * Run the builder with the sources at /application (and /packages/*) and a fresh folder at
 * /wheelhouse. The wheelhouse is replaced only when pip succeeded, so a failure or an interrupt
 * leaves it exactly as it was.
 */
export async function buildWheels(ctx: Context, builderRef: string, inputs: Inputs, emit: (e: StageEvent) => void): Promise<{ manifest: WheelManifest; summary: string }> {
  const { project } = ctx
  const started = Date.now()
  const pkgs = localPackages(project)
  const previous = await readManifest(project.wheelhouse)
  const rels = pkgs.map((p) => ({ key: p.key, rel: path.relative(project.root, p.dir) }))
  const planned = packagesToBuild(previous, inputs, rels)
  // Nothing changed yet we run (--force): rebuild every package.
  const toBuild = new Set(planned.length ? planned : pkgs.map((p) => p.key))
  const reuse = pkgs.filter((p) => !toBuild.has(p.key)).map((p) => ({ key: p.key, wheel: previous!.packages[p.key] }))
  const staging = await makeStaging(project, 'wheels', ctx.runId)
  const findLinks = findLinksMounts(project)
  const docker = await ctx.docker()
  await docker.createVolume({ Name: PIP_CACHE_VOLUME, Labels: { [LABEL_PROJECT]: 'shared' } })
  const binds = [
    ...pkgs.map((p) => `${p.dir}:${p.mount}:ro`),
    ...findLinks.map((f) => `${f.host}:${f.mount}:ro`),
    ...(previous ? [`${project.wheelhouse}:${MOUNT.previous}:ro`] : []),
    `${PIP_CACHE_VOLUME}:${MOUNT.pipCache}`,
    `${staging}:${MOUNT.wheelhouse}`,
  ]
  const owner = hostOwner()
  const wheelhouseRel = path.relative(project.source, project.wheelhouse)
  const script = builderScript({
    build: pkgs.filter((p) => toBuild.has(p.key)),
    reuse,
    buildIsolation: project.config.pip.buildIsolation,
    hasPrevious: Boolean(previous),
    // Dependency wheels are reused only from a build by the same builder and pip settings: a new
    // builder (another Python, another platform) needs its own.
    previous: previous && previous.inputs.builder === inputs.builder && previous.inputs.pip === inputs.pip ? { wheels: previous.packages, dependencies: previous.dependencies } : undefined,
    wheelhouseRel: wheelhouseRel.startsWith('..') ? undefined : wheelhouseRel,
    owner,
  })
  const tail: string[] = []
  try {
    const code = await runContainer(
      docker,
      {
        image: builderRef,
        cmd: ['sh', '-c', script],
        env: {
          ...pipEnv(project.config.pip, findLinks.map((f) => f.mount)),
          PIP_CACHE_DIR: MOUNT.pipCache,
          // Same sources, same bytes: wheels are byte-identical across builds, so caches keep hitting.
          SOURCE_DATE_EPOCH: '315532800',
        },
        binds,
        // No index to reach: no network either (a container without one also starts faster).
        ...(project.config.pip.noIndex ? { network: 'none' } : {}),
        labels: labelsFor(project.prefix, 'build', ctx.runId),
        onOutput: (line) => {
          tail.push(line)
          if (tail.length > 30) tail.shift()
          emit({ type: 'build:output', line })
        },
      },
      ctx.signal,
    )
    if (code !== 0) {
      throw new UserError(`building wheels failed: the builder exited with code ${code}`, { details: tail, hint: pipHint(tail) })
    }
    const packages: Record<string, string> = {}
    for (const p of pkgs) {
      const [wheel] = (await readdir(path.join(staging, 'local', p.key))).filter((f) => f.endsWith('.whl'))
      if (!wheel) throw new UserError(`pip built no wheel for ${path.relative(project.root, p.dir) || '.'}`, { details: tail })
      packages[p.key] = wheel
    }
    const all = (await readdir(path.join(staging, 'all'))).filter((f) => f.endsWith('.whl')).sort()
    const local = Object.values(packages)
    const next = path.join(staging, 'all')
    const sums: Record<string, string> = {}
    for (const w of all) sums[w] = sha256(await readFile(path.join(next, w)))
    const manifest: WheelManifest = { inputs, packages, dependencies: all.filter((f) => !local.includes(f)), sha256: sums }
    await writeFile(path.join(next, MANIFEST), JSON.stringify(manifest, null, 2) + '\n')
    await replaceDir(project.wheelhouse, next, path.join(staging, 'previous'))
    const built = [...toBuild].map((k) => packages[k])
    const summary = `${all.length} wheels (built ${built.join(', ')}${reuse.length ? `; reused ${reuse.map((r) => r.wheel).join(', ')}` : ''}; ${manifest.dependencies.length} dependencies) in ${path.relative(project.root, project.wheelhouse)}  ${formatMs(Date.now() - started)}`
    return { manifest, summary }
  } finally {
    await removeStaging(staging)
  }
}

/** Put `next` where `target` is with two renames; the old folder is moved aside, then deleted. */
async function replaceDir(target: string, next: string, aside: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true })
  const had = existsSync(target)
  if (had) await rename(target, aside)
  try {
    await rename(next, target)
  } catch (e) {
    if (had) await rename(aside, target)
    throw e
  }
  if (had) await rm(aside, { recursive: true, force: true })
}
