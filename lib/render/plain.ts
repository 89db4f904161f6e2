import type { Done, Event } from '../events.js'
import { imageOf, PREWARM, WHEELS } from '../graph/ids.js'
import { INCLUDE_LINE, MK_FILE } from '../scaffold/makefile.js'
import { describeTools } from '../shape/tests.js'
import { formatBytes, formatMs } from './format.js'
import { describeReason } from './reason.js'
import { describeShape } from './shape.js'

type Formatters = { [K in Event['type']]: (e: Extract<Event, { type: K }>, verbose: boolean) => string | undefined }

/** Nodes that build something (an image, the wheels); the others act (tag, smoke, push…). */
const builds = (id: string) => imageOf(id) !== undefined || id === WHEELS || id === PREWARM

/** What a finished node made, in words (the plain line and the listr2 row); '' when there is nothing to say. */
export function describeDone(data: Done | undefined, ms: number): string {
  if (!data) return ''
  if ('image' in data) return `${data.image.tags[0]} (+ :latest)  ${formatBytes(data.image.size)}  ${formatMs(ms)}`
  if ('built' in data) {
    const reused = data.reused.length ? `; reused ${data.reused.join(', ')}` : ''
    const builder = data.builder === 'started' || data.builder === 'replaced' ? `; builder container ${data.builder}` : ''
    const made = [...(data.built.length ? [`built ${data.built.join(', ')}`] : []), ...(data.patched ?? []).map((w) => `patched ${w.file} (${w.files.length} file${w.files.length === 1 ? '' : 's'})`)]
    return `${data.wheels.length} wheels (${made.join('; ')}${reused}; ${data.dependencies} dependencies${builder}) in ${data.folder}  ${formatMs(ms)}`
  }
  if ('prewarm' in data) {
    const p = data.prewarm
    if ('installed' in p) return `${p.installed} dependency wheels installed into cached layers  ${formatMs(ms)}`
    return 'idle' in p ? 'nothing to do ahead of the wheels' : `not done (${p.failed}); the release build installs the dependencies itself`
  }
  if ('tags' in data) return data.tags.join(', ')
  if ('smoke' in data) return data.smoke.map((r) => `GET ${r.path} → ${r.status}`).join(', ')
  return data.pushed.join(', ')
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/**
 * The words for every event: one formatter per kind (the compiler checks none is missing), a line
 * (or a few) for CI logs and pipes. The listr2 view draws the graph's own events itself and prints
 * the others with these.
 */
const formatters: Formatters = {
  'task:start': (e) => `▶ ${e.title}${e.why ? ` (${describeReason(e.why)})` : ''}`,
  plan: (e) => `${e.action === 'skip' ? '↓ would skip ' : builds(e.id) ? '▶ would build' : '▶ would run  '} ${e.title}${e.why ? `: ${describeReason(e.why)}` : ''}`,
  'task:skip': (e) => `↓ ${e.title} [skipped: ${describeReason(e.reason)}]`,
  'task:done': (e) => {
    const words = describeDone(e.data, e.ms)
    return `✔ ${e.title}${words ? `: ${words}` : ''} (${formatMs(e.ms)})`
  },
  'task:fail': (e) => `✖ ${e.title} (${formatMs(e.ms)})`,
  'build:step': (e) => `  ${e.step}`,
  'build:output': (e) => `    ${e.line}`,
  output: (e) => e.line,
  'lock:wait': (e) => `waiting for ${e.holder.task}${e.holder.pid ? ` (pid ${e.holder.pid}, since ${e.holder.since})` : ''} to finish: another pypackage-tasks run holds ${e.file}`,
  'git:untrusted': (e) => `git refuses to read ${e.repo}: another user owns it ("detected dubious ownership"), so images are tagged by content hash, not by commit; to trust it: ${e.fix}`,
  shape: (e) => describeShape(e.shape, e.python).join('\n'),
  'init:done': (e) => {
    const { action, renamed } = e.makefile
    const make =
      action === 'written'
        ? `Makefile: written, with \`${INCLUDE_LINE}\``
        : action === 'included'
          ? `Makefile: already includes ${MK_FILE}`
          : `Makefile: your targets kept; \`${INCLUDE_LINE}\` added at the end`
    const clash = renamed.length ? `; it defines ${renamed.map(([t]) => t).join(', ')}, so the tool's are make ${renamed.map(([, t]) => t).join(', ')}` : ''
    return [`wrote ${e.files.join(', ')} for ${e.app}`, make + clash].join('\n')
  },
  'init:next': (e) =>
    [
      ...(e.releaseOnStart ? [`"release.releaseOnStart": the container runs "${e.releaseOnStart}" before serving (a single container with its own sqlite database)`] : []),
      'next: pypackage-tasks release, then pypackage-tasks run',
    ].join('\n'),
  tasks: (e) => {
    const width = Math.max(0, ...e.tasks.map((t) => t.name.length))
    return e.tasks.map((t) => `${t.name.padEnd(width)}  ${t.description}`).join('\n')
  },
  tagged: (e) => `tagged ${e.repo}: ${e.tags.join(', ')}`,
  'push:auth': (e) => `push: credentials for ${e.registry} from ${e.from}`,
  'push:output': (e) => `push ${e.ref}: ${e.line}`,
  'push:retry': (e) => `push ${e.ref}: ${e.reason}; retrying in ${e.delayMs / 1000} s (attempt ${e.attempt + 1}/${e.attempts})`,
  pushed: (e) => `pushed ${e.ref}${e.digest ? ` ${e.digest}` : ''} (${seconds(e.ms)})`,
  'inspect:wheels': (e) => {
    const width = Math.max(0, ...e.wheels.map((w) => w.name.length))
    return [`${e.image}: ${e.wheels.length} wheels installed`, ...e.wheels.map((w) => `  ${w.name.padEnd(width)}  ${w.version.padEnd(10)}  sha256:${w.sha256}`)].join('\n')
  },
  'inspect:sbom': (e) => `${e.image}: SBOM (CycloneDX 1.5, wheels and Debian packages) at ${e.path}${e.copy ? `, copied to ${e.copy}` : ''}`,
  serving: (e) => `Serving ${e.url}/ from ${e.image} (Ctrl-C stops and removes the container)`,
  'hardening:blocked': (e) => (e.exitCode === undefined ? `while serving, ${e.cause}; ${e.hint}` : `the command exited with code ${e.exitCode}: ${e.cause}; ${e.hint}`),
  'smoke:ready': (e) => `smoke: ${e.image} answered on ${e.url}/ after ${seconds(e.ms)}`,
  'smoke:response': (e) => `smoke: GET ${e.path} → ${e.status} (${e.ms} ms)`,
  'dev:watching': (e) => `watching ${e.files} files in ${e.folders} folders: a save rebuilds and restarts the app (Ctrl-C stops and removes it)`,
  'dev:change': (e) => `changed ${e.files.slice(0, 3).join(', ')}${e.files.length > 3 ? ` and ${e.files.length - 3} more` : ''}: rebuilding`,
  'dev:served': (e) => `served the change in ${seconds(e.ms)} (save → first answer)${e.restarted ? '' : ', the image came out the same: not restarted'}: ${e.url}/`,
  'dev:failed': (e) =>
    [
      `✖ ${e.stage === 'build' ? 'rebuild failed' : 'the new image does not serve'}: ${e.message}`,
      ...(e.details ?? []).map((d) => `  ${d}`),
      ...(e.hint ? [`hint: ${e.hint}`] : []),
      e.url ? `the previous image still serves ${e.url}/; save again to retry` : 'nothing serves now; save again to retry',
    ].join('\n'),
  'dev:exited': (e) => `the app exited with code ${e.exitCode} (its output is above); save a file to rebuild and start it again`,
  'test:start': (e) => `test: ${e.command.join(' ')} (test tools: ${describeTools(e.tools)})`,
  'environment:started': (e) => `started ${e.db} and ${e.web}: ${e.url}/ (pypackage-tasks stop to stop, logs to read)`,
  'environment:stopped': (e) => (e.containers.length ? `stopped ${e.containers.join(', ')}` : 'nothing was running'),
  'bootstrap:step': (e) => `bootstrap: ${e.step}`,
  'bootstrap:no-superuser': () => 'bootstrap: no superuser (set DJANGO_SUPERUSER_USERNAME, _EMAIL and _PASSWORD to create one)',
  cleaned: (e) => `removed ${e.containers} containers, ${e.networks} networks, ${e.volumes} volumes, ${e.images} images and ${e.wheelhouse}`,
}

export function formatPlain(e: Event, verbose = false): string | undefined {
  return (formatters[e.type] as (e: Event, v: boolean) => string | undefined)(e, verbose)
}

/** An Emit that prints plain lines to `write`. */
export function plainRenderer(write: (line: string, stream: 'stdout' | 'stderr') => void, verbose = false): (e: Event) => void {
  return (e) => {
    const line = formatPlain(e, verbose)
    if (line !== undefined) write(line, e.type === 'output' ? e.stream : 'stdout')
  }
}

/** Every event kind there is (the formatters' keys: the compiler keeps them complete). */
export const EVENT_TYPES = Object.keys(formatters) as Event['type'][]
