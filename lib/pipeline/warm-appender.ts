/**
 * The warm appender: the release side's warm builder. A container of the release image kept
 * running between appends (labelled with the project, so `clean` removes it), in which the app
 * step (app-layer-script.ts) runs as an exec instead of in a fresh container each time.
 *
 * After an append its files are the new image's: the app step removed the old app and installed
 * the new one, which is exactly what the appended layer records. A marker file says which files
 * the container holds (MARK: a files key, appenderKeys: the layers' diff ids in order, and the
 * config an exec inherits; "dirty" while a step runs in it). The step's exec sets it to the new
 * layer's key itself, before the load: no exec after it. A key names content, not an image: if the
 * load fails, no image has that key, so the next append (from the image before) finds the marker
 * another's and replaces the container, as it does one whose files are any other image's. A step
 * that failed halfway leaves "dirty", so the next append replaces it too (it is removed at once).
 *
 * A container holds the image it was made from: the engine will not remove it, so once an append
 * supersedes it, it would stay as an untagged image nobody knows. It is named instead,
 * `<release repo>:appender` (`docker images` says what holds it), and goes with the appender.
 */
import type { Engine } from '../docker/engine.js'
import type { ImageLayout } from '../docker/engine.js'
import { LABEL_PROJECT, LABEL_TASK } from '../docker/labels.js'
import { sha256 } from './inputs.js'

/** Which image the container's files are, inside it. */
const MARK = '/var/tmp/pypackage-image'
/** The script's exit code when the container's files are not the image the append starts from. */
const STALE = 86
/** prepare.py's exit code when appending would not give what the build gives (it has changed nothing then). */
export const REFUSED = 3
/** On the container: the image it was made from (its files, until an append changes them). */
const LABEL_MADE_FROM = 'pypackage-tasks.made-from'
/** The name the image the appender was made from keeps while it runs. */
const APPENDER_TAG = 'appender'

/** What one append needs: the project (label, and with its folder the name), the image it starts from, the step's files as a tar for /tmp. */
export interface WarmAppend {
  project: string
  root: string
  /** The release image's repository: the image the appender is made from is named `<repo>:appender`. */
  repo: string
  previousId: string
  /** appenderKeys of that image. */
  keys: AppenderKeys
  tar: Buffer
  env: Record<string, string>
  signal: AbortSignal
}

/** The result the fresh container's run gives too (runCollect's): exit code, output lines, the packed layer. */
export interface StepResult {
  exitCode: number
  output: string[]
  file?: Buffer
}

/** `<namespace>-<app>-appender-<folder hash>`, Docker-safe: one per project folder, as the warm builder. Pure. */
export function warmAppenderName(project: string, root: string): string {
  return `${project.replace(/[^a-zA-Z0-9_.-]+/g, '-')}-appender-${sha256(root).slice(0, 8)}`
}

/** What a container's files are: those of the image the append starts from (`previous`), and those below its app layer (`below`: the new key is it, a space, the new layer's diff id). */
export interface AppenderKeys {
  previous: string
  below: string
}

/**
 * The marker's keys for an image whose app layer is its last (`below` layers under it): the hash of
 * the config an exec in its container inherits (environment, working folder), then its layers'
 * diff ids, space-separated. Equal keys: the same files, the same exec. Pure.
 */
export function appenderKeys(layout: Pick<ImageLayout, 'diffIds' | 'config'>, below: number): AppenderKeys {
  const config = sha256(JSON.stringify([layout.config.Env ?? null, layout.config.WorkingDir ?? ''])).slice(0, 16)
  const key = (ids: string[]) => [config, ...ids].join(' ')
  return { previous: key(layout.diffIds), below: key(layout.diffIds.slice(0, below)) }
}

/**
 * The exec's script. Its stdout carries the layer (fd 3); what the step says goes to stderr.
 * prepare.py refuses before it removes anything, so a refusal puts the marker back; after the step,
 * the marker is the new layer's key (BELOW and its sha256). Pure.
 */
export function appenderScript(): string {
  return [
    'set -eu',
    'exec 3>&1 1>&2',
    'rm -rf /tmp/append /tmp/wheels',
    // stdin read whole before any exit: a command that leaves it unread breaks the sender's pipe.
    'tar -C /tmp -xf -',
    `made=$(cat ${MARK} 2>/dev/null || echo "$MADE_FROM")`,
    `[ "$made" = "$PREVIOUS" ] || exit ${STALE}`,
    `echo dirty > ${MARK}`,
    'code=0',
    'python /tmp/append/step.py || code=$?',
    `if [ "$code" -eq ${REFUSED} ]; then echo "$PREVIOUS" > ${MARK}; fi`,
    '[ "$code" -eq 0 ] || exit "$code"',
    `echo "$BELOW sha256:$(cat /tmp/append/layer.tar.sha256)" > ${MARK}`,
    'cat /tmp/append/layer.tar >&3',
  ].join('\n')
}

/**
 * Run the app step in the warm appender (made, or replaced, first when needed). A step that failed
 * otherwise than by refusing leaves the container's files unknown: it is removed.
 */
export async function runWarmAppend(engine: Engine, a: WarmAppend): Promise<StepResult> {
  const name = warmAppenderName(a.project, a.root)
  const output: string[] = []
  let file: Buffer | undefined
  const exec = () =>
    engine.containers.execStreaming(name, {
      cmd: ['sh', '-c', appenderScript()],
      env: { ...a.env, PREVIOUS: a.keys.previous, BELOW: a.keys.below },
      stdinBytes: a.tar,
      collect: (bytes) => (file = bytes),
      onOutput: (line) => output.push(line),
      signal: a.signal,
    })
  const made = await ensureAppender(engine, name, a, false)
  let exitCode = await exec()
  if (exitCode === STALE && !made) {
    await ensureAppender(engine, name, a, true)
    exitCode = await exec()
  }
  if (exitCode !== 0 && exitCode !== REFUSED) await dropAppender(engine, name, a.repo)
  return { exitCode, output: output.slice(-200), file }
}

/** The appender running: kept as it is (false), or made from the image the append starts from (true); `replace`: made anew in any case. */
async function ensureAppender(engine: Engine, name: string, a: WarmAppend, replace: boolean): Promise<boolean> {
  const found = await engine.containers.inspect(name)
  if (found?.running && !replace) return false
  if (found) await dropAppender(engine, name, a.repo)
  await engine.images.tag(a.previousId, a.repo, APPENDER_TAG)
  await engine.containers.start(
    {
      image: a.previousId,
      name,
      user: '0',
      entrypoint: ['/bin/sh'],
      // Idles until removed; the init Docker gives it (createOptions) ends it at once on a stop.
      cmd: ['-c', 'exec sleep infinity'],
      env: { MADE_FROM: a.keys.previous },
      network: 'none',
      // The release image's HEALTHCHECK asks an app that never starts here.
      noHealthcheck: true,
      detached: true,
      labels: { [LABEL_PROJECT]: a.project, [LABEL_TASK]: 'appender', [LABEL_MADE_FROM]: a.previousId },
    },
    a.signal,
  )
  return true
}

/**
 * Remove the appender, and the name of the image it was made from: that image goes too unless
 * another name (a version tag, :latest) still holds it.
 */
async function dropAppender(engine: Engine, name: string, repo: string): Promise<void> {
  await engine.containers.remove(name, { volumes: true })
  // The name only, when another holds the image; a container of it (a `run` of that version) keeps it named.
  await engine.images.removeUnused(`${repo}:${APPENDER_TAG}`)
}
