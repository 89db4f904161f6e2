import type { InputChange, Intent, NoAppend, Reason } from '../events.js'

/** How many changed inputs a verdict names before "(+N more)". */
const SHOWN_CHANGES = 3

/** A verdict in words: "up to date (acme/app-base:abc1234)", "src/x.py changed", "--force". */
export function describeReason(r: Reason): string {
  switch (r.is) {
    case 'current':
      return r.latest ? `up to date (${r.latest} has the same inputs as ${r.ref})` : `up to date (${r.ref})`
    case 'current-wheels':
      return `up to date (${r.wheels} wheels)`
    case 'other-python':
      return `the wheels were built for Python ${r.was}, the project now runs ${r.now}`
    case 'never-built':
      return 'never built'
    case 'changed':
      return describeChanges(r.changes)
    case 'force':
      return '--force'
    case 'prewarm':
      return `${r.parentBuilt ? 'parent image rebuilt' : 'parent image to be rebuilt'}: dependency layers built while the builder builds`
    case 'prewarm-idle':
      return describeIdle(r)
    case 'action':
      return describeIntent(r.intent)
    case 'append':
      return `${describeChanges(r.changes)}: one app layer appended to the previous image (no Docker build)`
    case 'no-append':
      return `${describeChanges(r.changes)}: Docker build, not appended (${NO_APPEND[r.because]})`
  }
}

const NO_APPEND: Record<NoAppend, string> = {
  'legacy-builder': 'the legacy builder keeps no layer history to append to',
  'own-dockerfile': 'the release Dockerfile is not the built-in one',
  history: "the previous image's history does not show the app step as the built-in Dockerfile makes it",
}

/** The changed inputs, the first few by name: "docker/base/Dockerfile changed, build arg X set (+2 more)". */
function describeChanges(changes: InputChange[]): string {
  if (changes.length === 0) return 'inputs unchanged but no image holds them'
  const words = changes.map((c) => `${describeKey(c.input, c.label)} ${c.change}`)
  const shown = words.slice(0, SHOWN_CHANGES).join(', ')
  return words.length > SHOWN_CHANGES ? `${shown} (+${words.length - SHOWN_CHANGES} more)` : shown
}

/** Human words for one input key (pipeline/inputs.ts): a file's path, "build arg X", "parent image docker/base"… */
export function describeKey(key: string, label?: string): string {
  const [kind, ...rest] = key.split(':')
  const name = rest.join(':')
  if (kind === 'file') return name
  if (kind === 'arg') return `build arg ${name}`
  if (kind === 'parent') return `parent image ${label ?? name}`
  if (kind === 'from') return `FROM image ${name}`
  if (key === 'builder') return 'builder image'
  if (key === 'pip') return 'pip settings'
  return key
}

function describeIdle(r: Extract<Reason, { is: 'prewarm-idle' }>): string {
  switch (r.because) {
    case 'parent-current':
      return `${r.image} unchanged: the release build finds its dependency layers in the cache`
    case 'legacy-builder':
      return 'needs BuildKit (the legacy builder keeps its cache in images)'
    case 'no-dependency-part':
      return `${r.image}/Dockerfile has no single-stage COPY wheels/deps … COPY wheels/app order`
    case 'dynamic-dependencies':
      return 'the app declares its dependencies dynamically or in requirement files (no [project] dependencies)'
  }
}

const port = (hostPort: number) => `127.0.0.1:${hostPort || 'a free port'}`

/** What an action would do, as a dry run says it. */
export function describeIntent(i: Intent): string {
  switch (i.do) {
    case 'list':
      return 'list the tasks'
    case 'init':
      return `write ${i.files.join(', ')} for ${i.app}`
    case 'inspect':
      return `read the manifest and SBOM of ${i.image}`
    case 'test':
      return `run the tests in the builder${i.args.length ? ` with ${i.args.join(' ')}` : ''}`
    case 'tag':
      return `tag ${i.repo}: ${i.tags.join(', ')}`
    case 'push':
      return `push ${i.repo}: ${i.tags.join(', ')}`
    case 'smoke':
      return `start ${i.image}, GET ${i.paths.join(', ')}, stop it`
    case 'serve':
      return `serve ${i.image} on ${port(i.hostPort)}`
    case 'run':
      return `run ${i.command.join(' ')} in ${i.image}`
    case 'start':
      return `start PostgreSQL and the app on a private network, the app on ${port(i.hostPort)}`
    case 'bootstrap':
      return `start the database, then ${i.steps.length ? i.steps.join(', ') : 'nothing else: no release phase, no static files, no DJANGO_SUPERUSER_* variables'}`
    case 'manage':
      return `start the database, run python -m django ${i.argv.join(' ')}`
    case 'stop':
      return `stop and remove ${i.containers.join(' and ')} (the database volume stays)`
    case 'logs':
      return `print the last ${i.tail} lines of ${i.container}${i.follow ? ', then follow' : ''}`
    case 'clean':
      return `remove ${i.containers} containers, ${i.networks} networks, ${i.volumes} volumes, ${i.images} images and ${i.wheelhouse}`
  }
}
