import { existsSync, readdirSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Context } from '../context.js'
import type { PipConfig } from '../config/schema.js'
import { LABEL_PROJECT, labelsFor } from '../docker/labels.js'
import { UserError } from '../errors.js'
import type { Project } from '../project.js'
import type { StageEvent } from '../events.js'
import { formatMs } from '../render/format.js'
import { hashFile, sha256, type Inputs } from './inputs.js'
import { ignoreTop, sourceFiles } from './sources.js'
import { BUILD_WHEEL_PY } from './pep517.js'
import { PACK_APP_PY } from './pack-app.js'
import { checkWheelsAgainstLock, lockConstraints, type Lock } from '../shape/locks.js'
import { normalizeName, requirementName } from '../shape/pyproject.js'

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

/** The files of one package that make its wheel (see sources.ts): nested packages, the wheelhouse and `alsoSkip` left out. */
export async function packageFiles(pkg: LocalPackage, others: LocalPackage[], wheelhouse: string, alsoSkip: string[] = [], top = pkg.dir): Promise<string[]> {
  return sourceFiles(pkg.dir, top, [...others.map((o) => o.dir), wheelhouse, ...alsoSkip])
}

/** Inputs that decide the dependency set beyond Requires-Dist: requirement files, locks, the server. */
const isDependencyInput = (key: string) => key === 'server' || /^file:(.*\/)?(requirements[^/]*|[^/]*requirements[^/]*\.txt|constraints[^/]*\.txt|poetry\.lock|uv\.lock|Pipfile(\.lock)?)$/.test(key)

/** Inputs of the wheel build: every source file of every package, the builder image, pip settings, the server. */
export async function wheelInputs(project: Project, builderId: string): Promise<Inputs> {
  const pkgs = localPackages(project)
  const shape = await project.shape()
  const inputs: Inputs = { builder: builderId, pip: sha256(JSON.stringify(project.config.pip)).slice(0, 16), server: shape.server.join(' ') }
  for (const pkg of pkgs) {
    // What the tool itself writes or reads beside the source (the release manifest, the Dockerfiles)
    // is not the package's source: changing it must not rebuild wheels.
    // The config, the npm files that install the tool and the Makefiles forwarding to it are not the app either.
    const tooling = [
      `${project.wheelhouse}-manifest.json`,
      `${project.wheelhouse}-sbom.cdx.json`,
      project.dockerDir,
      path.join(project.root, '.pypackage'),
      ...(project.configFile ? [project.configFile] : []),
      ...['package.json', 'package-lock.json', 'pypackage.mk'].map((f) => path.join(project.root, f)),
    ]
    for (const f of await packageFiles(
      pkg,
      pkgs.filter((o) => o !== pkg),
      project.wheelhouse,
      tooling,
      ignoreTop(pkg.dir, project.root),
    )) {
      inputs[`file:${path.relative(project.root, f)}`] = await hashFile(f)
    }
  }
  return inputs
}

/** The package a `file:` input belongs to: the deepest package folder holding it. */
export function ownerOf(rel: string, pkgs: { key: string; rel: string }[]): string | undefined {
  return pkgs.filter((p) => p.rel === '' || rel === p.rel || rel.startsWith(`${p.rel}/`)).sort((a, b) => b.rel.length - a.rel.length)[0]?.key
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

/** Where the builder finds the list of a package's source files (written into the staging folder before the run). */
export const sourceList = (key: string) => `${MOUNT.wheelhouse}/sources/${key}.list`

/** Each package's source files, relative to its folder: the `file:` inputs it owns. Pure. */
export function sourceLists(inputs: Inputs, pkgs: { key: string; rel: string }[]): Record<string, string[]> {
  const lists: Record<string, string[]> = Object.fromEntries(pkgs.map((p) => [p.key, []]))
  for (const key of Object.keys(inputs).sort()) {
    if (!key.startsWith('file:')) continue
    const rel = key.slice(5)
    const owner = pkgs.find((p) => p.key === ownerOf(rel, pkgs))
    if (owner) lists[owner.key].push(owner.rel ? path.posix.relative(owner.rel, rel) : rel)
  }
  return lists
}

/** Where the builder script writes the PEP 517 frontend (BUILD_WHEEL_PY) before using it. */
export const FRONTEND = '/tmp/build_wheel.py'
/** … and the packer of applications without packaging metadata (PACK_APP_PY). */
const PACKER = '/tmp/pack_app.py'

/** One word for sh, whatever it holds. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

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
  owner?: string
  /** An application without packaging metadata: the tool packs its code into this wheel. */
  app?: { name: string; version: string; requires: string[] }
  /** Requirement files (paths in the container) resolved with `pip wheel -r`. */
  requirements?: string[]
  /** A lock's pins, as pip constraints for every resolve. */
  constraints?: string[]
  /** Distributions the server needs: resolved when the app's dependencies lack them. */
  server?: string[]
}): string {
  const prev = opts.previous
  const rebuiltBefore = prev ? opts.build.map((p) => prev.wheels[p.key]) : []
  // When every rebuilt wheel declares the same Requires-Dist as before, the dependency set
  // cannot have changed: the previous dependency wheels are reused instead of resolving again.
  const pairs = prev && rebuiltBefore.every(Boolean) ? opts.build.map((p, i) => `/tmp/local/${p.key}=${MOUNT.previous}/${rebuiltBefore[i]}`) : []
  const lines = ['set -eu', 'mkdir -p /tmp/src /tmp/local /tmp/all', `cat > ${FRONTEND} <<'PY'`, BUILD_WHEEL_PY.trim(), 'PY']
  if (opts.app) lines.push(`cat > ${PACKER} <<'PY'`, PACK_APP_PY.trim(), 'PY')
  const constrain = opts.constraints?.length ? ' -c /tmp/constraints.txt' : ''
  if (constrain) lines.push(`cat > /tmp/constraints.txt <<'TXT'`, ...opts.constraints!, 'TXT')
  // The packer compares nothing: when it builds last, the comparison runs on its own.
  const lastPacked = Boolean(opts.app) && opts.build.at(-1)?.key === 'app'
  opts.build.forEach((p, i) => {
    lines.push(
      `mkdir -p /tmp/src/${p.key} /tmp/local/${p.key}`,
      // Exactly the files the inputs hashed (sourceList), NUL-separated: what is ignored never reaches a wheel.
      `tar -C ${p.mount} --null --no-recursion -T ${sourceList(p.key)} -cf - | tar -C /tmp/src/${p.key} -xf -`,
      p.key === 'app' && opts.app
        ? [`python ${PACKER} /tmp/src/app /tmp/local/app`, ...[opts.app.name, opts.app.version, JSON.stringify(opts.app.requires)].map(shellQuote)].join(' ')
        : opts.buildIsolation
          ? `pip wheel --no-deps --wheel-dir /tmp/local/${p.key} /tmp/src/${p.key}`
          : // The last build also compares Requires-Dist: one Python start less.
            [`python ${FRONTEND} /tmp/src/${p.key} /tmp/local/${p.key}`, ...(i === opts.build.length - 1 && !lastPacked ? pairs : [])].join(' '),
    )
  })
  if ((opts.buildIsolation || lastPacked) && pairs.length) lines.push(`python ${FRONTEND} --compare ${pairs.join(' ')}`)
  for (const r of opts.reuse) lines.push(`mkdir -p /tmp/local/${r.key}`, `cp ${MOUNT.previous}/${r.wheel} /tmp/local/${r.key}/`)
  const links = [...opts.build, ...opts.reuse].map((p) => `--find-links /tmp/local/${p.key}`)
  if (opts.hasPrevious) links.push(`--find-links ${MOUNT.previous}`)
  // Requirement files first (they may carry --hash lines: pip's hash-checking mode, which our
  // local wheels could not satisfy), then our wheels with what they declare.
  const resolve = [
    ...(opts.requirements ?? []).map((r) => `pip wheel --wheel-dir /tmp/all ${links.join(' ')}${constrain} -r ${r}`),
    `pip wheel --wheel-dir /tmp/all ${links.join(' ')} --find-links /tmp/all${constrain} /tmp/local/*/*.whl`,
  ] // one command per line: under `set -e` a failure inside an && list would not stop the script
  if (prev && pairs.length) {
    lines.push(
      'if [ -e /tmp/requires-unchanged ]; then',
      `  echo "dependencies unchanged: reusing ${prev.dependencies.length} wheels"`,
      '  cp /tmp/local/*/*.whl /tmp/all/',
      ...(prev.dependencies.length ? [`  cp ${prev.dependencies.map((d) => `${MOUNT.previous}/${d}`).join(' ')} /tmp/all/`] : []),
      'else',
      ...resolve.map((r) => `  ${r}`),
      'fi',
    )
  } else {
    lines.push(...resolve)
  }
  for (const server of opts.server ?? []) {
    // The server (gunicorn, uvicorn) when the app's dependencies do not bring it: the tool's job.
    const file = server.replace(/[-_.]+/g, '_')
    lines.push(`ls /tmp/all | grep -qi '^${file}-[0-9]' || pip wheel --wheel-dir /tmp/all ${links.join(' ')} --find-links /tmp/all${constrain} ${server}`)
  }
  lines.push(`cp -r /tmp/local ${MOUNT.wheelhouse}/local`, `mkdir -p ${MOUNT.wheelhouse}/all`, `cp /tmp/all/*.whl ${MOUNT.wheelhouse}/all/`)
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
  return explainPip(lines).hint
}

/** The versions of a distribution among the wheels and sdists of local folders (pip.findLinks). */
export function versionsInFolders(folders: string[], name: string): string[] {
  const versions = new Set<string>()
  for (const dir of folders) {
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      const m = f.match(/^([^-]+)-([^-]+?)(-.*\.whl|\.tar\.gz|\.zip)$/)
      if (m && normalizeName(m[1]) === name) versions.add(m[2])
    }
  }
  return [...versions].sort()
}

/** Where pip looks, for messages: "the find-links folder .cache/pyindex", "https://pypi.org/simple". */
export function describeIndex(project: Project): string {
  const { pip } = project.config
  const folders = pip.findLinks.length ? `the find-links folder${pip.findLinks.length > 1 ? 's' : ''} ${pip.findLinks.join(', ')}` : ''
  if (pip.noIndex) return folders || 'no index (pip.noIndex) and no find-links folder'
  return [pip.indexUrl ?? 'https://pypi.org/simple', ...pip.extraIndexUrls, folders].filter(Boolean).join(' + ')
}

/**
 * A builder failure in a user's words: our frontend's or packer's own `error:` line, a
 * requirements line pip cannot read (file:line), a version the index lacks (and what it has;
 * the lock's pin when a lock asked for it). Pure.
 */
export function explainPip(lines: string[], lock?: Lock, index = 'the package index', available: (name: string) => string[] = () => []): { message?: string; hint: string } {
  const text = lines.join('\n')
  const own = lines
    .map((l) => l.match(/^error: (.*)$/)?.[1])
    .filter(Boolean)
    .pop()
  if (/error: command '.*(gcc|cc)' failed|fatal error: .*\.h: No such file/.test(text))
    return { message: own, hint: 'a C extension failed to compile: fix the source, or add the missing headers/compiler to docker/builder/Dockerfile' }
  if (own) return { message: own, hint: "the builder's output is above" }
  if (/DO NOT MATCH THE HASHES/.test(text)) {
    const pkg = text.match(/^\s+(\S+==\S+) from /m)?.[1] ?? 'a package'
    return {
      message: `${pkg}: the file the index gave does not have the sha256 the requirements' --hash lists`,
      hint: 'the index serves another file than the one hashed: update the --hash (pip hash FILE), or point pip at the index the hashes were made from',
    }
  }
  const invalid = text.match(/Invalid requirement: '([^']*)'.*?\(from line (\d+) of (\S+)\)/)
  if (invalid) {
    return {
      message: `${invalid[3].replace(`${MOUNT.source}/`, '')}:${invalid[2]}: pip cannot read the requirement "${invalid[1]}"`,
      hint: "fix that line (pip's requirement syntax: name, extras, version specifiers, markers, options such as -r and --hash)",
    }
  }
  const versions = text.match(/Could not find a version that satisfies the requirement (\S+) \(from versions: ([^)]*)\)/)
  if (versions) {
    const name = requirementName(versions[1])
    const pinned = lock?.packages.find((p: { name: string }) => p.name === name)
    const listed = versions[2].trim()
    const has = listed && listed !== 'none' ? `only ${listed}` : `no ${name} at all`
    return pinned
      ? {
          message: `${lock!.file} pins ${name} ${pinned.version}, but ${index} has ${has}`,
          hint: `update the lock to what the index serves, or point pip at the index the lock was made from ("pip.indexUrl" / "pip.findLinks" in .pypackagerc.json)`,
        }
      : { message: `${index} has no ${versions[1]} (it has ${has})`, hint: `add a folder holding it to "pip.findLinks", or set "pip.indexUrl" in .pypackagerc.json` }
  }
  // A lock's pin as a constraint the resolver cannot meet: pip names the conflict, not the index.
  const constraint = text.match(/The user requested \(constraint\) (\S+)==(\S+)/)
  const locked = constraint && lock?.packages.find((p: { name: string }) => p.name === requirementName(constraint[1]))
  if (constraint && locked) {
    const versions = available(locked.name)
    return {
      message: `${lock!.file} pins ${locked.name} ${constraint[2]}, which pip cannot install${versions.length ? `: ${index} has only ${versions.join(', ')}` : ` from ${index}`}`,
      hint: `update the lock to what the index serves, or point pip at the index the lock was made from ("pip.indexUrl" / "pip.findLinks" in .pypackagerc.json)`,
    }
  }
  const missing = text.match(/No matching distribution found for ([^\s]+)/)
  if (missing) return { message: `pip cannot find ${missing[1]}`, hint: `add a folder holding it to "pip.findLinks", or set "pip.indexUrl" in .pypackagerc.json` }
  if (/Could not find a version that satisfies|requires a different Python/.test(text)) return { hint: 'a dependency has no wheel or sdist usable here: check versions and "pip.findLinks"' }
  return { hint: "read pip's output above; run with --verbose for the whole log" }
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
  await mkdir(path.join(staging, 'sources'))
  for (const [key, files] of Object.entries(sourceLists(inputs, rels))) {
    await writeFile(path.join(staging, 'sources', `${key}.list`), files.map((f) => `${f}\0`).join(''))
  }
  const findLinks = findLinksMounts(project)
  const engine = await ctx.engine()
  await engine.volumes.create(PIP_CACHE_VOLUME, { [LABEL_PROJECT]: 'shared' })
  const binds = [
    ...pkgs.map((p) => `${p.dir}:${p.mount}:ro`),
    ...findLinks.map((f) => `${f.host}:${f.mount}:ro`),
    ...(previous ? [`${project.wheelhouse}:${MOUNT.previous}:ro`] : []),
    `${PIP_CACHE_VOLUME}:${MOUNT.pipCache}`,
    `${staging}:${MOUNT.wheelhouse}`,
  ]
  const owner = hostOwner()
  const shape = await project.shape()
  // Requirement files, the lock or the server changed: the previous dependency set says nothing.
  const depsChanged = previous !== undefined && Object.keys({ ...previous.inputs, ...inputs }).some((k) => isDependencyInput(k) && previous.inputs[k] !== inputs[k])
  const script = builderScript({
    build: pkgs.filter((p) => toBuild.has(p.key)),
    reuse,
    buildIsolation: project.config.pip.buildIsolation,
    hasPrevious: Boolean(previous),
    // Dependency wheels are reused only from a build by the same builder and pip settings: a new
    // builder (another Python, another platform) needs its own.
    previous:
      previous && !depsChanged && previous.inputs.builder === inputs.builder && previous.inputs.pip === inputs.pip ? { wheels: previous.packages, dependencies: previous.dependencies } : undefined,
    owner,
    app: shape.kind === 'application' ? { name: project.config.app ?? shape.pyproject?.name ?? project.app, version: shape.pyproject?.version ?? '0', requires: shape.declared } : undefined,
    requirements: shape.requirements.map((f) => `${MOUNT.source}/${f}`),
    constraints: shape.lock ? lockConstraints(shape.lock) : [],
    server: shape.server,
  })
  const tail: string[] = []
  try {
    const code = await engine.containers.run(
      {
        image: builderRef,
        cmd: ['sh', '-c', script],
        env: {
          ...pipEnv(
            project.config.pip,
            findLinks.map((f) => f.mount),
          ),
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
      const why = explainPip(tail, shape.lock, describeIndex(project), (name) =>
        versionsInFolders(
          findLinks.map((f) => f.host),
          name,
        ),
      )
      throw new UserError(`building wheels failed: ${why.message ?? `the builder exited with code ${code}`}`, { details: tail, hint: why.hint })
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
    // The locked versions and hashes, checked before the wheelhouse is replaced.
    if (shape.lock)
      checkWheelsAgainstLock(
        shape.lock,
        manifest.dependencies.map((file) => ({ file, sha256: sums[file] })),
      )
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
