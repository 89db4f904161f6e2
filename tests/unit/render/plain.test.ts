import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Event } from '../../../lib/events.js'
import { formatPlain, plainRenderer } from '../../../lib/render/plain.js'

// ---------------------------------------------------------------------------------------------
const FormatPlain = suite('formatPlain')

const cases: { name: string; event: Event; want: string }[] = [
  { name: 'task:start without a reason', event: { type: 'task:start', id: 'image:base', title: 'Image base' }, want: '▶ Image base' },
  {
    name: 'task:start with its reason in parentheses',
    event: { type: 'task:start', id: 'image:base', title: 'Image base', why: { is: 'changed', changes: [{ input: 'file:docker/base/Dockerfile', change: 'changed' }] } },
    want: '▶ Image base (docker/base/Dockerfile changed)',
  },
  {
    name: 'plan: would build, with the reason',
    event: { type: 'plan', id: 'image:base', title: 'Image base', action: 'run', why: { is: 'never-built' } },
    want: '▶ would build Image base: never built',
  },
  { name: 'plan: would run, without a reason', event: { type: 'plan', id: 'tags', title: 'Tag', action: 'run' }, want: '▶ would run   Tag' },
  {
    name: 'plan: would skip, aligned with would build',
    event: { type: 'plan', id: 'wheels', title: 'Wheels', action: 'skip', why: { is: 'current-wheels', wheels: 9 } },
    want: '↓ would skip  Wheels: up to date (9 wheels)',
  },
  {
    name: 'task:skip',
    event: { type: 'task:skip', id: 'image:base', title: 'Image base', reason: { is: 'current', ref: 'acme/app-base:abc1234' } },
    want: '↓ Image base [skipped: up to date (acme/app-base:abc1234)]',
  },
  {
    name: 'task:done of an image: its tag, size and time, worded here from the data',
    event: { type: 'task:done', id: 'image:base', title: 'Image base', ms: 3100, data: { image: { id: 'sha256:b', tags: ['acme/app-base:abc1234', 'acme/app-base:latest'], size: 242e6 } } },
    want: '✔ Image base: acme/app-base:abc1234 (+ :latest)  242 MB  3.1 s (3.1 s)',
  },
  {
    name: 'task:done of the wheels: built, reused, dependencies, where',
    event: {
      type: 'task:done',
      id: 'wheels',
      title: 'Wheels',
      ms: 250,
      data: {
        wheels: [
          { file: 'a.whl', sha256: '1' },
          { file: 'b.whl', sha256: '2' },
          { file: 'c.whl', sha256: '3' },
        ],
        built: ['a.whl'],
        reused: ['b.whl'],
        dependencies: 1,
        folder: 'wheelhouse',
      },
    },
    want: '✔ Wheels: 3 wheels (built a.whl; reused b.whl; 1 dependencies) in wheelhouse  250 ms (250 ms)',
  },
  {
    name: 'task:done of the wheels in a warm builder started (or replaced) for it: said; reused or a fresh container: not',
    event: {
      type: 'task:done',
      id: 'wheels',
      title: 'Wheels',
      ms: 250,
      data: { wheels: [{ file: 'a.whl', sha256: '1' }], built: ['a.whl'], reused: [], dependencies: 0, folder: 'wheelhouse', builder: 'replaced' },
    },
    want: '✔ Wheels: 1 wheels (built a.whl; 0 dependencies; builder container replaced) in wheelhouse  250 ms (250 ms)',
  },
  {
    name: 'task:done of the wheels in the warm builder as it was',
    event: {
      type: 'task:done',
      id: 'wheels',
      title: 'Wheels',
      ms: 250,
      data: { wheels: [{ file: 'a.whl', sha256: '1' }], built: ['a.whl'], reused: [], dependencies: 0, folder: 'wheelhouse', builder: 'reused' },
    },
    want: '✔ Wheels: 1 wheels (built a.whl; 0 dependencies) in wheelhouse  250 ms (250 ms)',
  },
  {
    name: 'task:done of wheels patched in place of a build: which wheel, how many files',
    event: {
      type: 'task:done',
      id: 'wheels',
      title: 'Wheels',
      ms: 12,
      data: { wheels: [{ file: 'a.whl', sha256: '1' }], built: [], patched: [{ file: 'a.whl', files: ['polls/views.py'] }], reused: [], dependencies: 0, folder: 'wheelhouse' },
    },
    want: '✔ Wheels: 1 wheels (patched a.whl (1 file); 0 dependencies) in wheelhouse  12 ms (12 ms)',
  },
  {
    name: 'task:done of the prewarm node, nothing to do',
    event: { type: 'task:done', id: 'prewarm', title: 'Deps', ms: 1, data: { prewarm: { idle: true } } },
    want: '✔ Deps: nothing to do ahead of the wheels (1 ms)',
  },
  { name: 'task:done without data', event: { type: 'task:done', id: 'wheels', title: 'Wheels', ms: 1500 }, want: '✔ Wheels (1.5 s)' },
  { name: 'task:fail', event: { type: 'task:fail', id: 'wheels', title: 'Wheels', message: 'pip failed', ms: 12_345 }, want: '✖ Wheels (12.3 s)' },
  { name: 'build:step', event: { type: 'build:step', id: 'image:base', step: 'Step 2/5 : RUN apt-get update' }, want: '  Step 2/5 : RUN apt-get update' },
  { name: 'build:output', event: { type: 'build:output', id: 'image:base', line: 'Get:1 http://deb.debian.org' }, want: '    Get:1 http://deb.debian.org' },
  {
    name: 'serving',
    event: { type: 'serving', url: 'http://127.0.0.1:8000', image: 'acme/app-release:latest' },
    want: 'Serving http://127.0.0.1:8000/ from acme/app-release:latest (Ctrl-C stops and removes the container)',
  },
  {
    name: 'lock:wait',
    event: { type: 'lock:wait', task: 'build', holder: { task: 'release', pid: 42, since: '10:00' }, file: '.pypackage/lock' },
    want: 'waiting for release (pid 42, since 10:00) to finish: another pypackage-tasks run holds .pypackage/lock',
  },
  {
    name: 'push:retry',
    event: { type: 'push:retry', ref: 'reg/a:v1', reason: 'connection refused', attempt: 1, attempts: 3, delayMs: 500 },
    want: 'push reg/a:v1: connection refused; retrying in 0.5 s (attempt 2/3)',
  },
  { name: 'smoke:response', event: { type: 'smoke:response', path: '/', status: 200, ms: 12 }, want: 'smoke: GET / → 200 (12 ms)' },
  {
    name: 'tasks (names padded to the longest)',
    event: {
      type: 'tasks',
      tasks: [
        { name: 'run', description: 'Run it' },
        { name: 'release', description: 'Ship it' },
      ],
    },
    want: 'run      Run it\nrelease  Ship it',
  },
  { name: 'environment:stopped, nothing', event: { type: 'environment:stopped', containers: [] }, want: 'nothing was running' },
  { name: 'output (stdout)', event: { type: 'output', stream: 'stdout', line: 'System check identified no issues' }, want: 'System check identified no issues' },
  { name: 'output (stderr)', event: { type: 'output', stream: 'stderr', line: '[INFO] Booting worker' }, want: '[INFO] Booting worker' },
]
for (const c of cases) {
  FormatPlain(c.name, () => {
    assert.is(formatPlain(c.event), c.want, `${c.name} should print as ${JSON.stringify(c.want)}`)
  })
}

FormatPlain('a failure line does not repeat the error (cli.ts prints it once)', () => {
  const line = formatPlain({ type: 'task:fail', id: 'x', title: 'X', message: 'secret detail', ms: 1 })!
  assert.not.match(line, 'secret detail', 'the task:fail line should not include the message')
})

FormatPlain.run()

// ---------------------------------------------------------------------------------------------
const PlainRenderer = suite('plainRenderer')

PlainRenderer('writes each event as one line, container stderr to stderr, the rest to stdout', () => {
  const written: [string, string][] = []
  const emit = plainRenderer((line, stream) => written.push([line, stream]))
  emit({ type: 'task:start', id: 'a', title: 'A', why: { is: 'never-built' } })
  emit({ type: 'plan', id: 'b', title: 'B', action: 'skip', why: { is: 'current', ref: 'b:1' } })
  emit({ type: 'output', stream: 'stderr', line: 'warn' })
  emit({ type: 'output', stream: 'stdout', line: 'ok' })
  emit({ type: 'task:fail', id: 'a', title: 'A', message: 'm', ms: 5 })
  assert.equal(
    written,
    [
      ['▶ A (never built)', 'stdout'],
      ['↓ would skip  B: up to date (b:1)', 'stdout'],
      ['warn', 'stderr'],
      ['ok', 'stdout'],
      ['✖ A (5 ms)', 'stdout'],
    ],
    'lines should be formatted and routed to the matching stream',
  )
})

PlainRenderer.run()
