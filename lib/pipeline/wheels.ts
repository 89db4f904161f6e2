import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Context } from '../context.js'
import { labelsFor } from '../docker/labels.js'
import { runContainer } from '../docker/run.js'
import { UserError } from '../errors.js'
import type { PipConfig } from '../config/schema.js'
import { formatMs, type StageEvent } from '../render/events.js'

/** Written next to the wheels: which of them were built from our sources (app, local packages). */
export const MANIFEST = 'pypackage-wheels.json'

export interface WheelManifest {
  /** Wheels built from the app's and local packages' sources. */
  local: string[]
  /** Every other wheel: the dependencies. */
  dependencies: string[]
}

export const MOUNT = { source: '/application', wheelhouse: '/wheelhouse', packages: '/packages', findLinks: '/find-links' }

/** pip settings as environment for the builder container: the image itself stays index-agnostic. */
export function pipEnv(pip: PipConfig, findLinksMounts: string[]): Record<string, string> {
  const env: Record<string, string> = { PIP_DISABLE_PIP_VERSION_CHECK: '1' }
  if (pip.noIndex) env.PIP_NO_INDEX = '1'
  if (pip.indexUrl) env.PIP_INDEX_URL = pip.indexUrl
  if (pip.extraIndexUrls.length) env.PIP_EXTRA_INDEX_URL = pip.extraIndexUrls.join(' ')
  if (findLinksMounts.length) env.PIP_FIND_LINKS = findLinksMounts.join(' ')
  return env
}

/**
 * The builder's shell script. Sources are mounted read-only and copied first: pip builds in-tree
 * and would leave root-owned build/ and *.egg-info in the user's folder. Local projects are built
 * with --no-deps first, then resolved together with their dependencies, so we know which wheels
 * are ours.
 */
export function builderScript(opts: { packages: string[]; buildIsolation: boolean; owner?: string }): string {
  const isolation = opts.buildIsolation ? '' : ' --no-build-isolation'
  const copies = [
    `mkdir -p /tmp/src/app /tmp/local /tmp/all`,
    `tar -C ${MOUNT.source} --exclude=./.git --exclude=./node_modules --exclude=./wheelhouse --exclude=./.pypackage --exclude=./build -cf - . | tar -C /tmp/src/app -xf -`,
    ...opts.packages.map((p) => `cp -a ${MOUNT.packages}/${p} /tmp/src/${p}`),
  ]
  const srcs = ['/tmp/src/app', ...opts.packages.map((p) => `/tmp/src/${p}`)].join(' ')
  return [
    'set -eu',
    ...copies,
    `pip wheel --no-deps${isolation} --wheel-dir /tmp/local ${srcs}`,
    `pip wheel --wheel-dir /tmp/all --find-links /tmp/local /tmp/local/*.whl`,
    `mkdir -p ${MOUNT.wheelhouse}/local ${MOUNT.wheelhouse}/all`,
    `cp /tmp/local/*.whl ${MOUNT.wheelhouse}/local/ && cp /tmp/all/*.whl ${MOUNT.wheelhouse}/all/`,
    ...(opts.owner ? [`chown -R ${opts.owner} ${MOUNT.wheelhouse}`] : []),
  ].join('\n')
}

/** Read the manifest of a wheelhouse; undefined when it has none or its wheels are gone. */
export async function readManifest(wheelhouse: string): Promise<WheelManifest | undefined> {
  try {
    const m = JSON.parse(await readFile(path.join(wheelhouse, MANIFEST), 'utf8')) as WheelManifest
    const present = new Set(await readdir(wheelhouse))
    return [...m.local, ...m.dependencies].every((w) => present.has(w)) && m.local.length ? m : undefined
  } catch {
    return undefined
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
  return 'read pip\'s output above; run with --verbose for the whole log'
}

/**
 * Run the builder with the source at /application and a fresh folder at /wheelhouse. The
 * wheelhouse is replaced only when pip succeeded, so a failure leaves it exactly as it was.
 */
export async function buildWheels(ctx: Context, builderRef: string, emit: (e: StageEvent) => void): Promise<string> {
  const { project } = ctx
  const started = Date.now()
  const stagingRoot = path.join(project.root, '.pypackage')
  const staging = path.join(stagingRoot, `wheels-${ctx.runId}`)
  await mkdir(staging, { recursive: true })
  const packages = project.localPackages.map((p) => path.basename(p))
  const findLinks = project.config.pip.findLinks.map((f, i) => ({ host: path.resolve(project.root, f), mount: `${MOUNT.findLinks}/${i}` }))
  const binds = [
    `${project.source}:${MOUNT.source}:ro`,
    ...project.localPackages.map((p) => `${p}:${MOUNT.packages}/${path.basename(p)}:ro`),
    ...findLinks.map((f) => `${f.host}:${f.mount}:ro`),
    `${staging}:${MOUNT.wheelhouse}`,
  ]
  const owner = typeof process.getuid === 'function' ? `${process.getuid()}:${process.getgid!()}` : undefined
  const tail: string[] = []
  try {
    const code = await runContainer(
      await ctx.docker(),
      {
        image: builderRef,
        cmd: ['sh', '-c', builderScript({ packages, buildIsolation: project.config.pip.buildIsolation, owner })],
        env: {
          ...pipEnv(project.config.pip, findLinks.map((f) => f.mount)),
          // Same sources, same bytes: wheels are byte-identical across builds, so caches keep hitting.
          SOURCE_DATE_EPOCH: '315532800',
        },
        binds,
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
    const local = (await readdir(path.join(staging, 'local'))).filter((f) => f.endsWith('.whl')).sort()
    const all = (await readdir(path.join(staging, 'all'))).filter((f) => f.endsWith('.whl')).sort()
    const manifest: WheelManifest = { local, dependencies: all.filter((f) => !local.includes(f)) }
    const next = path.join(staging, 'all')
    await writeFile(path.join(next, MANIFEST), JSON.stringify(manifest, null, 2) + '\n')
    await replaceDir(project.wheelhouse, next, path.join(staging, 'previous'))
    return `${all.length} wheels (${local.join(', ')} + ${manifest.dependencies.length} dependencies) in ${path.relative(project.root, project.wheelhouse)}  ${formatMs(Date.now() - started)}`
  } finally {
    await rm(staging, { recursive: true, force: true })
    // Only when empty: another run may be using it (ENOTEMPTY is the expected refusal).
    await rmdir(stagingRoot).catch(() => undefined)
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
