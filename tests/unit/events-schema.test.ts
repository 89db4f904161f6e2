import { readFileSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import Ajv2020Module from 'ajv/dist/2020.js'
import formatsModule from 'ajv-formats'
import { EVENTS_VERSION, type Event, type Intent, type Reason } from '../../lib/events.js'
import { jsonLine, type ErrorEvent } from '../../lib/render/json.js'
import { EVENT_TYPES, formatPlain } from '../../lib/render/plain.js'

// The --json stream is an interface: schema/events.schema.json documents every event kind, and a
// sample of each (as lib/ emits it) must validate against it and have words in the plain view.

const schema = JSON.parse(readFileSync(new URL('../../../schema/events.schema.json', import.meta.url), 'utf8'))
const ajv = new Ajv2020Module.default({ strict: false, allErrors: true })
formatsModule.default(ajv as never)
const validate = ajv.compile(schema)

/** A plan event for each kind of reason and each action's intent: the verdicts are data too. */
function verdicts(): Event[] {
  const reasons: Reason[] = [
    { is: 'current-wheels', wheels: 9 },
    { is: 'other-python', was: '3.11', now: '3.13' },
    {
      is: 'changed',
      changes: [
        { input: 'file:app.py', change: 'changed' },
        { input: 'parent:base', change: 'rebuilt', label: 'docker/base' },
      ],
    },
    { is: 'force' },
    { is: 'prewarm', parentBuilt: false },
    { is: 'prewarm-idle', because: 'parent-current', image: 'docker/base' },
  ]
  const intents: Intent[] = [
    { do: 'list' },
    { do: 'init', app: 'shop', files: ['docker/base'] },
    { do: 'inspect', image: 'a:1' },
    { do: 'test', args: ['-k', 'x'] },
    { do: 'tag', repo: 'a', tags: ['v1'] },
    { do: 'push', repo: 'r/a', tags: ['v1'] },
    { do: 'smoke', image: 'a:latest', paths: ['/'] },
    { do: 'serve', image: 'a:latest', hostPort: 0 },
    { do: 'run', image: 'a:latest', command: ['python'] },
    { do: 'start', hostPort: 8000 },
    { do: 'bootstrap', steps: ['migrate'] },
    { do: 'manage', argv: ['check'] },
    { do: 'stop', containers: ['w', 'd'] },
    { do: 'logs', container: 'w', tail: 10, follow: false },
    { do: 'clean', containers: 1, networks: 1, volumes: 1, images: 3, wheelhouse: 'wheelhouse' },
  ]
  return [...reasons, ...intents.map((intent): Reason => ({ is: 'action', intent }))].map((why) => ({ type: 'plan', id: 'n', title: 'N', action: 'run', why }))
}

const samples: Event[] = [
  { type: 'task:start', id: 'wheels', title: 'Wheels → wheelhouse', why: { is: 'never-built' } },
  { type: 'plan', id: 'image:docker/base', title: 'Image docker/base', action: 'skip', why: { is: 'current', ref: 'acme/app-base:abc1234' } },
  { type: 'task:skip', id: 'image:docker/base', title: 'Image docker/base', reason: { is: 'current', ref: 'acme/app-base:b', latest: 'acme/app-base:latest' } },
  ...verdicts(),
  { type: 'task:done', id: 'image:docker/release', title: 'Image docker/release', ms: 12, data: { image: { id: 'sha256:a', tags: ['a:1'], size: 3 } } },
  { type: 'task:fail', id: 'wheels', title: 'Wheels', message: 'pip failed', ms: 5 },
  { type: 'build:step', id: 'wheels', step: 'pip wheel' },
  { type: 'build:output', id: 'wheels', line: 'Processing /application' },
  { type: 'output', stream: 'stderr', line: '[INFO] Booting worker' },
  { type: 'lock:wait', task: 'build', holder: { task: 'release', pid: 7, since: '10:00' }, file: '.pypackage/lock' },
  { type: 'git:untrusted', repo: '/src', fix: 'git config --global --add safe.directory /src' },
  {
    type: 'shape',
    shape: {
      kind: 'application',
      backend: "the tool's app wheel",
      requirements: ['requirements.txt'],
      declared: [],
      sqlite: [],
      tests: { tools: { kind: 'none' }, command: ['python', 'manage.py', 'test'] },
      server: ['gunicorn'],
    },
    python: { version: '3.13', image: 'debian:trixie-slim', imageFrom: 'built-in', from: { source: '.python-version', file: '.python-version', value: '3.13.1' } },
  },
  { type: 'init:done', app: 'site', files: ['docker/base', '.pypackagerc.json'], makefile: { action: 'added', renamed: [['test', 'pp-test']] } },
  { type: 'init:next', releaseOnStart: 'flask init-db' },
  { type: 'tasks', tasks: [{ name: 'list', description: 'List every task' }] },
  { type: 'tagged', repo: 'acme/site-release', tags: ['v1', 'stable'] },
  { type: 'push:auth', registry: 'localhost:5000', from: 'credHelpers' },
  { type: 'push:output', ref: 'localhost:5000/acme/site-release:v1', line: 'abc123: Pushed' },
  { type: 'push:retry', ref: 'localhost:5000/acme/site-release:v1', reason: 'connection refused', attempt: 1, attempts: 3, delayMs: 1000 },
  { type: 'pushed', ref: 'localhost:5000/acme/site-release:v1', digest: 'sha256:d', ms: 900 },
  { type: 'inspect:wheels', image: 'acme/site-release:latest', wheels: [{ name: 'django', version: '4.2', sha256: 'ab' }] },
  { type: 'inspect:sbom', image: 'acme/site-release:latest', path: '/appenv/sbom.cdx.json', copy: 'wheelhouse-sbom.cdx.json' },
  { type: 'serving', url: 'http://127.0.0.1:8000', image: 'acme/site-release:latest' },
  { type: 'hardening:blocked', cause: 'the app wrote to /app (read-only)', hint: 'declare the folder in "hardening.writable"', exitCode: 1 },
  { type: 'smoke:ready', image: 'acme/site-release:latest', url: 'http://127.0.0.1:32768', ms: 800 },
  { type: 'smoke:response', path: '/', status: 200, ms: 14 },
  { type: 'dev:watching', files: 14, folders: 5 },
  { type: 'dev:change', files: ['app/views.py'] },
  { type: 'dev:served', ms: 2400, url: 'http://127.0.0.1:8000', image: 'sha256:ab', restarted: true },
  { type: 'dev:failed', stage: 'start', message: 'the app exited with code 3 before answering', details: ['SyntaxError: invalid syntax'], hint: 'fix it', url: 'http://127.0.0.1:8000' },
  { type: 'dev:exited', exitCode: 1 },
  { type: 'test:start', command: ['pytest'], tools: { kind: 'extra', name: 'test' } },
  { type: 'environment:started', db: 'acme-site-db', web: 'acme-site-web', url: 'http://127.0.0.1:8000' },
  { type: 'environment:stopped', containers: ['acme-site-web', 'acme-site-db'] },
  { type: 'bootstrap:step', step: 'release phase: python -m django migrate' },
  { type: 'bootstrap:no-superuser' },
  { type: 'cleaned', containers: 2, networks: 1, volumes: 1, images: 5, wheelhouse: 'wheelhouse' },
]
const error: ErrorEvent = { type: 'error', message: 'the engine is not running', hint: 'start it', exitCode: 1 }

const Events = suite('--json events: the documented contract')

Events('every event kind has a sample here, and the schema lists exactly the kinds there are (and error)', () => {
  assert.equal([...new Set(samples.map((s) => s.type))].sort(), [...EVENT_TYPES].sort(), 'one sample per kind')
  assert.equal([...schema.properties.type.enum].sort(), [...EVENT_TYPES, 'error'].sort(), 'the schema names every kind, no more')
})

Events('each sample, as printed with --json, validates against the schema (version and time included)', () => {
  for (const e of [...samples, error]) {
    const line = JSON.parse(jsonLine(e)) as { v: number }
    assert.ok(validate(line), `${e.type}: ${ajv.errorsText(validate.errors)}`)
    assert.is(line.v, EVENTS_VERSION)
  }
})

Events('the schema refuses what breaks the contract: a missing field, a wrong type, an unknown kind', () => {
  const bad = [
    { v: 2, time: new Date().toISOString(), type: 'pushed', digest: 'sha256:d' },
    { v: 2, time: new Date().toISOString(), type: 'smoke:response', path: '/', status: '200', ms: 1 },
    { v: 2, time: new Date().toISOString(), type: 'info', message: 'prose' },
    { time: new Date().toISOString(), type: 'bootstrap:no-superuser' },
    { v: 1, time: new Date().toISOString(), type: 'bootstrap:no-superuser' },
    { v: 2, time: new Date().toISOString(), type: 'task:skip', id: 'n', title: 'N', reason: 'up to date' },
    { v: 2, time: new Date().toISOString(), type: 'plan', id: 'n', title: 'N', action: 'run', why: { is: 'action', intent: { do: 'tag', repo: 'a' } } },
  ]
  for (const b of bad) assert.not.ok(validate(b), `should be refused: ${JSON.stringify(b)}`)
})

Events('every kind has words in the plain view', () => {
  for (const e of samples) assert.ok(formatPlain(e)?.trim(), `${e.type} prints something`)
})

Events.run()
