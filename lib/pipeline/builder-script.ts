/**
 * The shell script the builder container runs to make the wheels. Sources are mounted read-only
 * and copied first: a build runs in-tree and would leave root-owned build/ and *.egg-info in the
 * user's folder. Changed packages are built without their dependencies (without build isolation:
 * by our PEP 517 frontend, which calls the backend directly; with it: by pip), unchanged ones
 * reuse their previous wheel, then everything is resolved together with the previous wheelhouse
 * as a find-links folder, so dependency wheels are reused.
 */
import { MOUNT } from './builder-mounts.js'
import { PACK_APP_PY } from './pack-app.js'
import { BUILD_WHEEL_PY } from './pep517.js'
import { shellQuote } from '../graph/shell-words.js'

/** Where the builder finds the list of a package's source files (written into the staging folder before the run). */
export const sourceList = (key: string) => `${MOUNT.sources}/${key}.list`

/** Where the builder script writes the PEP 517 frontend (BUILD_WHEEL_PY) before using it. */
export const FRONTEND = '/tmp/build_wheel.py'
/** … and the packer of applications without packaging metadata (PACK_APP_PY). */
const PACKER = '/tmp/pack_app.py'

/** One word for sh, whatever it holds. */

/** A package the script builds: its key (its folder in the builder) and where its sources are mounted. */
interface ScriptPackage {
  key: string
  mount: string
}

interface ScriptOptions {
  build: ScriptPackage[]
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
}

/** The builder's shell script (see the top of this file for what it does and why). */
export function builderScript(opts: ScriptOptions): string {
  const pairs = comparePairs(opts)
  const constrain = opts.constraints?.length ? ' -c /tmp/constraints.txt' : ''
  const links = findLinksFlags(opts)
  return [
    ...writeHelperLines(opts),
    ...buildPackageLines(opts, pairs),
    ...reuseLines(opts),
    ...dependencyLines(opts, pairs, links, constrain),
    ...serverLines(opts.server ?? [], links, constrain),
    ...wheelhouseLines(opts.owner),
  ].join('\n')
}

/**
 * `new=previous` wheel pairs whose Requires-Dist the frontend compares. When every rebuilt wheel
 * declares the same Requires-Dist as before, the dependency set cannot have changed: the previous
 * dependency wheels are reused instead of resolving again. None when a rebuilt package had no wheel.
 */
function comparePairs(opts: ScriptOptions): string[] {
  const prev = opts.previous
  const rebuiltBefore = prev ? opts.build.map((p) => prev.wheels[p.key]) : []
  return prev && rebuiltBefore.every(Boolean) ? opts.build.map((p, i) => `/tmp/local/${p.key}=${MOUNT.previous}/${rebuiltBefore[i]}`) : []
}

/** The packer compares nothing: when it builds last, the comparison runs on its own. */
const packsLast = (opts: ScriptOptions) => Boolean(opts.app) && opts.build.at(-1)?.key === 'app'

/** `set -eu`, the scratch folders, and the frontend, packer and constraints written where the script uses them. */
function writeHelperLines(opts: ScriptOptions): string[] {
  const lines = ['set -eu', 'mkdir -p /tmp/src /tmp/local /tmp/all', `cat > ${FRONTEND} <<'PY'`, BUILD_WHEEL_PY.trim(), 'PY']
  if (opts.app) lines.push(`cat > ${PACKER} <<'PY'`, PACK_APP_PY.trim(), 'PY')
  if (opts.constraints?.length) lines.push(`cat > /tmp/constraints.txt <<'TXT'`, ...opts.constraints, 'TXT')
  return lines
}

/** Each rebuilt package copied out of its mount and built into /tmp/local/<key>; then the comparison if no build ran it. */
function buildPackageLines(opts: ScriptOptions, pairs: string[]): string[] {
  const lastPacked = packsLast(opts)
  const lines = opts.build.flatMap((p, i) => [
    `mkdir -p /tmp/src/${p.key} /tmp/local/${p.key}`,
    // Exactly the files the inputs hashed (sourceList), NUL-separated: what is ignored never reaches a wheel.
    `tar -C ${p.mount} --null --no-recursion -T ${sourceList(p.key)} -cf - | tar -C /tmp/src/${p.key} -xf -`,
    // The last build also compares Requires-Dist: one Python start less.
    buildCommand(opts, p, i === opts.build.length - 1 && !lastPacked ? pairs : []),
  ])
  if ((opts.buildIsolation || lastPacked) && pairs.length) lines.push(`python ${FRONTEND} --compare ${pairs.join(' ')}`)
  return lines
}

/** The command that turns /tmp/src/<key> into a wheel: the packer (an app without metadata), pip (build isolation) or our frontend. */
function buildCommand(opts: ScriptOptions, p: ScriptPackage, compare: string[]): string {
  if (p.key === 'app' && opts.app) return [`python ${PACKER} /tmp/src/app /tmp/local/app`, ...[opts.app.name, opts.app.version, JSON.stringify(opts.app.requires)].map(shellQuote)].join(' ')
  if (opts.buildIsolation) return `pip wheel --no-deps --wheel-dir /tmp/local/${p.key} /tmp/src/${p.key}`
  return [`python ${FRONTEND} /tmp/src/${p.key} /tmp/local/${p.key}`, ...compare].join(' ')
}

/** Unchanged packages: their previous wheel, copied where a built one would be. */
function reuseLines(opts: ScriptOptions): string[] {
  return opts.reuse.flatMap((r) => [`mkdir -p /tmp/local/${r.key}`, `cp ${MOUNT.previous}/${r.wheel} /tmp/local/${r.key}/`])
}

/** Where pip finds our wheels: every package's folder, then the previous wheelhouse. */
function findLinksFlags(opts: ScriptOptions): string {
  const links = [...opts.build, ...opts.reuse].map((p) => `--find-links /tmp/local/${p.key}`)
  if (opts.hasPrevious) links.push(`--find-links ${MOUNT.previous}`)
  return links.join(' ')
}

/** The dependencies: resolved by pip, or (Requires-Dist unchanged) the previous dependency wheels copied. */
function dependencyLines(opts: ScriptOptions, pairs: string[], links: string, constrain: string): string[] {
  // Requirement files first (they may carry --hash lines: pip's hash-checking mode, which our
  // local wheels could not satisfy), then our wheels with what they declare.
  const resolve = [
    ...(opts.requirements ?? []).map((r) => `pip wheel --wheel-dir /tmp/all ${links}${constrain} -r ${r}`),
    `pip wheel --wheel-dir /tmp/all ${links} --find-links /tmp/all${constrain} /tmp/local/*/*.whl`,
  ] // one command per line: under `set -e` a failure inside an && list would not stop the script
  const prev = opts.previous
  if (!prev || !pairs.length) return resolve
  return [
    'if [ -e /tmp/requires-unchanged ]; then',
    `  echo "dependencies unchanged: reusing ${prev.dependencies.length} wheels"`,
    '  cp /tmp/local/*/*.whl /tmp/all/',
    ...(prev.dependencies.length ? [`  cp ${prev.dependencies.map((d) => `${MOUNT.previous}/${d}`).join(' ')} /tmp/all/`] : []),
    'else',
    ...resolve.map((r) => `  ${r}`),
    'fi',
  ]
}

/** The server (gunicorn, uvicorn) when the app's dependencies do not bring it: the tool's job. */
function serverLines(servers: string[], links: string, constrain: string): string[] {
  return servers.map((server) => {
    const file = server.replace(/[-_.]+/g, '_')
    return `ls /tmp/all | grep -qi '^${file}-[0-9]' || pip wheel --wheel-dir /tmp/all ${links} --find-links /tmp/all${constrain} ${server}`
  })
}

/** Everything built into the mounted wheelhouse folder, given back to the host user when one is named. */
function wheelhouseLines(owner: string | undefined): string[] {
  const lines = [`mkdir -p ${MOUNT.wheelhouse}/all`, `cp -r /tmp/local ${MOUNT.wheelhouse}/local`, `cp /tmp/all/*.whl ${MOUNT.wheelhouse}/all/`]
  if (owner) lines.push(`chown -R ${owner} ${MOUNT.wheelhouse}`)
  return lines
}
