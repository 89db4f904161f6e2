/**
 * The warm builder: one builder container per project that keeps running between wheel builds
 * (labelled with the project, so `clean` removes it), in which each build runs as an exec. What
 * is fixed when it is made (the builder image, the network, pip's cache volume, the find-links
 * folders) is hashed into a label: when any of it changes, the container is replaced. What
 * changes per build travels with the exec itself, the same way on every kind of engine: the
 * listed source files and their lists as a tar into its stdin, /wheelhouse as a tar out of its
 * stdout (the build's output goes to stderr). The previous wheelhouse stays in the container
 * (/previous, with its sha256 sums): it is copied in only when it is not the host's, and the
 * wheels that come out byte-identical to it are taken from the host's wheelhouse instead of
 * being copied back.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import fg from 'fast-glob'
import type { Engine } from '../docker/engine.js'
import { LABEL_PROJECT, LABEL_TASK, LABEL_WARM } from '../docker/labels.js'
import type { Upload } from '../docker/transfer.js'
import { MOUNT } from './builder-mounts.js'
import { sha256 } from './inputs.js'
import { linkOrCopy } from './staging.js'

/** What the build found: a container made (none was there), replaced (stopped, or made for other settings), or reused. */
export type WarmState = 'started' | 'replaced' | 'reused'

export interface WarmBuild {
  /** The project prefix (the container's label) and its folder (with it, the container's name). */
  project: string
  root: string
  /** The builder image, by reference and by id (the id is part of the settings). */
  image: string
  imageId: string
  network?: string
  /** Named volumes (pip's cache). */
  binds: string[]
  /** Folders fixed for the container's life (find-links): mounted read-only on a shared disk, copied in when it is made otherwise. */
  fixed: Upload[]
  /** This build's files (sources, source lists), into the exec's stdin. */
  uploads: Upload[]
  env: Record<string, string>
  /** The builder script (builder-script.ts), as a fresh container would run it. */
  script: string
  /** The host's wheelhouse and its wheels' sha256 (the previous manifest's), when there is one. */
  previous?: { dir: string; sha256: Record<string, string> }
  /** Where /wheelhouse comes back to (the wheels staging folder). */
  staging: string
  onOutput: (line: string) => void
  signal: AbortSignal
}

/** The exit code of the script's first line when /previous is not the host's wheelhouse. */
const STALE = 86
/** The script's list of wheels that came out identical to /previous (one name a line), in /wheelhouse. */
const SAME_LIST = 'same.list'
/** How the script, finding /previous stale, says what it holds: this prefix, then a line of its sums. */
const HELD = 'pypackage-previous:'
const HELD_LINE = /^pypackage-previous: ([0-9a-f]{64}) {2}(\S+)$/

/**
 * The warm builder's container name: `<namespace>-<app>-builder-<folder hash>`, Docker-safe. One
 * per project folder: two checkouts of one project (worktrees) build at the same time, each under
 * its own lock, and must not share /previous or the exec's paths. Pure.
 */
export function warmBuilderName(project: string, root: string): string {
  return `${project.replace(/[^a-zA-Z0-9_.-]+/g, '-')}-builder-${sha256(root).slice(0, 8)}`
}

/**
 * Build in the warm container (made or replaced first when needed): the script's exit code, and
 * what was found. With 0, the wheels are in `staging` as a fresh container would have left them.
 */
export async function runWarmBuild(engine: Engine, b: WarmBuild): Promise<{ code: number; state: WarmState }> {
  const name = warmBuilderName(b.project, b.root)
  const state = await ensureWarmBuilder(engine, name, b)
  const expect = b.previous ? sha256(sumsOf(b.previous.sha256)) : ''
  const cmd = ['sh', '-c', warmScript(b.script, expect)]
  // What a stale /previous holds (wheel → sha256), as the script says it: not the build's output.
  const held: Record<string, string> = {}
  const onOutput = (l: string) => {
    const m = HELD_LINE.exec(l)
    if (m) held[m[2]] = m[1]
    else b.onOutput(l)
  }
  const exec = () => engine.containers.execStreaming(name, { cmd, env: b.env, onOutput, stdin: b.uploads, unpack: b.staging, signal: b.signal })
  let code = await exec()
  if (code === STALE && b.previous) {
    await copyPrevious(engine, name, b.previous, b, held)
    code = await exec()
  }
  if (code === 0) await collectWheels(b)
  return { code, state }
}

/** The container, running with the settings asked for: reused, or (re)made. */
async function ensureWarmBuilder(engine: Engine, name: string, b: WarmBuild): Promise<WarmState> {
  const settings = await settingsOf(b)
  const found = await engine.containers.inspect(name)
  if (found?.running && found.labels[LABEL_WARM] === settings) return 'reused'
  if (found) await engine.containers.remove(name, { volumes: true })
  await engine.containers.start(
    {
      image: b.image,
      name,
      // Idles until removed; under the init Docker gives it (createOptions), a stop ends it at once.
      cmd: ['sleep', 'infinity'],
      detached: true,
      network: b.network,
      binds: b.binds,
      uploads: b.fixed,
      labels: { [LABEL_PROJECT]: b.project, [LABEL_TASK]: 'builder', [LABEL_WARM]: settings },
    },
    b.signal,
  )
  return found ? 'replaced' : 'started'
}

/**
 * The hash of what is fixed for the container's life: the image id, the network, the volumes, and
 * each fixed folder with its files' names, sizes and times (copied in once, on an engine without
 * this disk: a change to them needs a new container).
 */
async function settingsOf(b: WarmBuild): Promise<string> {
  const fixed = await Promise.all(
    b.fixed.map(async (u) => {
      const files = await fg('**/*', { cwd: u.from, dot: true, stats: true, followSymbolicLinks: false })
      return { ...u, files: files.map((f) => `${f.path}:${f.stats?.size}:${f.stats?.mtimeMs}`).sort() }
    }),
  )
  return sha256(JSON.stringify({ v: 1, image: b.imageId, network: b.network ?? '', binds: b.binds, fixed })).slice(0, 32)
}

/** The wheels' sums as sha256sum writes them, sorted by name: what /previous/.sums holds when it is the host's wheelhouse. Pure. */
export function sumsOf(sums: Record<string, string>): string {
  return Object.keys(sums)
    .sort()
    .map((f) => `${sums[f]}  ${f}\n`)
    .join('')
}

/**
 * The builder script, framed for a container that outlives it. Its stdout is kept for the tar of
 * /wheelhouse (fd 3); everything else it says goes to stderr. First the last build's scratch
 * folders are removed and this build's files unpacked from stdin, then /previous is checked
 * against the host's wheelhouse (`expect`, the hash of its sums; none: there is none, /previous
 * goes). After it,
 * the wheels identical to /previous leave /wheelhouse (listed in same.list: the host has them),
 * /previous becomes this build's wheels, and /wheelhouse goes out. Pure.
 */
export function warmScript(script: string, expect: string): string {
  const check = expect
    ? `if [ "$(cat ${MOUNT.previous}/.sums 2>/dev/null | sha256sum | cut -c1-64)" != "${expect}" ]; then sed 's/^/${HELD} /' ${MOUNT.previous}/.sums 2>/dev/null || true; exit ${STALE}; fi`
    : `rm -rf ${MOUNT.previous}`
  return [
    'set -eu',
    'export LC_ALL=C',
    'exec 3>&1 1>&2',
    `rm -rf ${MOUNT.wheelhouse} /tmp/src /tmp/local /tmp/all /tmp/requires-unchanged /tmp/constraints.txt`,
    // stdin read whole before any exit: a command that leaves it unread breaks the sender's pipe.
    'tar -C / -xf -',
    check,
    script,
    ...keepLines(),
    `tar -C / -cf - ${MOUNT.wheelhouse.slice(1)} >&3`,
  ].join('\n')
}

/** After the build: the identical wheels listed and dropped from /wheelhouse, /previous replaced by this build's wheels with their sums. */
function keepLines(): string[] {
  const [all, prev, same] = [`${MOUNT.wheelhouse}/all`, MOUNT.previous, `${MOUNT.wheelhouse}/${SAME_LIST}`]
  return [
    `rm -rf /next && mkdir -p /next ${prev} && : > ${same}`,
    `cd ${all}`,
    'for f in *.whl; do',
    '  [ -e "$f" ] || continue',
    `  if [ -f "${prev}/$f" ] && cmp -s "$f" "${prev}/$f"; then echo "$f" >> ${same}; mv "${prev}/$f" /next/; rm "$f"; else cp "$f" /next/; fi`,
    'done',
    // The sums of the identical wheels are the previous ones: only the new wheels are hashed.
    `{ awk 'FILENAME == ARGV[1] { same[$0] = 1; next } ($2 in same)' ${same} ${prev}/.sums 2>/dev/null || true; for f in *.whl; do if [ -e "$f" ]; then sha256sum "$f"; fi; done; } | sort -k2 > /next/.sums`,
    `rm -rf ${prev} && mv /next ${prev}`,
  ]
}

/**
 * /previous made the host's wheelhouse: the wheels it `held` with the host's sums stay (after a
 * wheel patched outside it, all but that one), everything else goes, then the host's other wheels
 * are copied in, the sums last (a copy cut short leaves none: stale again).
 */
async function copyPrevious(engine: Engine, name: string, previous: NonNullable<WarmBuild['previous']>, b: WarmBuild, held: Record<string, string>): Promise<void> {
  const keep = Object.keys(previous.sha256).filter((f) => /^[\w.+!-]+$/.test(f) && held[f] === previous.sha256[f])
  const prune = `mkdir -p ${MOUNT.previous} && cd ${MOUNT.previous} && for f in * .sums; do case " ${keep.join(' ')} " in *" $f "*) ;; *) rm -rf "$f" ;; esac; done`
  await engine.containers.exec(name, ['sh', '-c', prune])
  const dir = path.join(b.staging, 'previous-sums')
  await mkdir(dir, { recursive: true })
  await writeFile(path.join(dir, '.sums'), sumsOf(previous.sha256))
  const missing = Object.keys(previous.sha256)
    .filter((f) => !keep.includes(f))
    .sort()
  await engine.containers.copyIn(name, [...(missing.length ? [{ from: previous.dir, to: MOUNT.previous, files: missing }] : []), { from: dir, to: MOUNT.previous, files: ['.sums'] }], b.signal)
  await rm(dir, { recursive: true, force: true })
}

/** The wheels /wheelhouse left out (identical to /previous), from the host's wheelhouse into the staging folder. */
async function collectWheels(b: WarmBuild): Promise<void> {
  const list = path.join(b.staging, SAME_LIST)
  const same = (await readFile(list, 'utf8').catch(() => '')).split('\n').filter(Boolean)
  for (const f of same) await linkOrCopy(path.join(b.previous?.dir ?? '', f), path.join(b.staging, 'all', f))
  await rm(list, { force: true })
}
