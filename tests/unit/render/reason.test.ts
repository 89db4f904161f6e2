import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { InputChange, Intent, Reason } from '../../../lib/events.js'
import { describeIntent, describeKey, describeReason } from '../../../lib/render/reason.js'

// ---------------------------------------------------------------------------------------------
const DescribeKey = suite('describeKey')

const keys: { key: string; label?: string; want: string }[] = [
  { key: 'file:src/pollsite/settings.py', want: 'src/pollsite/settings.py' },
  { key: 'file:odd:name.txt', want: 'odd:name.txt' },
  { key: 'arg:PYTHON_VERSION', want: 'build arg PYTHON_VERSION' },
  { key: 'parent:base', want: 'parent image base' },
  { key: 'parent:base', label: 'docker/base', want: 'parent image docker/base' },
  { key: 'from:python:3.12-slim', want: 'FROM image python:3.12-slim' },
  { key: 'builder', want: 'builder image' },
  { key: 'pip', want: 'pip settings' },
  { key: 'wheels', want: 'wheels' },
]
for (const c of keys) {
  DescribeKey(`${c.key}${c.label ? ' (with a parent label)' : ''} → ${c.want}`, () => {
    assert.is(describeKey(c.key, c.label), c.want, `${c.key} should be described as "${c.want}"`)
  })
}

DescribeKey('the parent label is used only for parents', () => {
  assert.is(describeKey('file:base', 'LABEL'), 'base', 'a file should not be relabelled')
  assert.is(describeKey('arg:base', 'LABEL'), 'build arg base', 'an arg should not be relabelled')
})

DescribeKey.run()

// ---------------------------------------------------------------------------------------------
const DescribeReason = suite('describeReason')

const changed = (n: number): InputChange[] =>
  'abcde'
    .slice(0, n)
    .split('')
    .map((f) => ({ input: `file:${f}`, change: 'changed' }))
const reasons: { reason: Reason; want: string }[] = [
  { reason: { is: 'current', ref: 'acme/app-base:abc1234' }, want: 'up to date (acme/app-base:abc1234)' },
  { reason: { is: 'current', ref: 'acme/app-base:def5678', latest: 'acme/app-base:latest' }, want: 'up to date (acme/app-base:latest has the same inputs as acme/app-base:def5678)' },
  { reason: { is: 'current-wheels', wheels: 9 }, want: 'up to date (9 wheels)' },
  { reason: { is: 'never-built' }, want: 'never built' },
  { reason: { is: 'other-python', was: '3.11', now: '3.13' }, want: 'the wheels were built for Python 3.11, the project now runs 3.13' },
  { reason: { is: 'changed', changes: [] }, want: 'inputs unchanged but no image holds them' },
  { reason: { is: 'changed', changes: changed(3) }, want: 'a changed, b changed, c changed' },
  { reason: { is: 'changed', changes: changed(5) }, want: 'a changed, b changed, c changed (+2 more)' },
  {
    reason: {
      is: 'changed',
      changes: [
        { input: 'parent:base', change: 'rebuilt', label: 'docker/base' },
        { input: 'wheels', change: 'rebuilt' },
      ],
    },
    want: 'parent image docker/base rebuilt, wheels rebuilt',
  },
  { reason: { is: 'force' }, want: '--force' },
  { reason: { is: 'prewarm', parentBuilt: true }, want: 'parent image rebuilt: dependency layers built while the builder builds' },
  { reason: { is: 'prewarm', parentBuilt: false }, want: 'parent image to be rebuilt: dependency layers built while the builder builds' },
  { reason: { is: 'prewarm-idle', because: 'parent-current', image: 'docker/base' }, want: 'docker/base unchanged: the release build finds its dependency layers in the cache' },
  { reason: { is: 'prewarm-idle', because: 'legacy-builder' }, want: 'needs BuildKit (the legacy builder keeps its cache in images)' },
  { reason: { is: 'prewarm-idle', because: 'no-dependency-part', image: 'docker/release' }, want: 'docker/release/Dockerfile has no single-stage COPY wheels/deps … COPY wheels/app order' },
  { reason: { is: 'prewarm-idle', because: 'dynamic-dependencies' }, want: 'the app declares its dependencies dynamically or in requirement files (no [project] dependencies)' },
  { reason: { is: 'action', intent: { do: 'list' } }, want: 'list the tasks' },
  { reason: { is: 'append', changes: changed(1) }, want: 'a changed: one app layer appended to the previous image (no Docker build)' },
  { reason: { is: 'no-append', changes: changed(1), because: 'legacy-builder' }, want: 'a changed: Docker build, not appended (the legacy builder keeps no layer history to append to)' },
  { reason: { is: 'no-append', changes: changed(1), because: 'own-dockerfile' }, want: 'a changed: Docker build, not appended (the release Dockerfile is not the built-in one)' },
  {
    reason: { is: 'no-append', changes: changed(1), because: 'history' },
    want: "a changed: Docker build, not appended (the previous image's history does not show the app step as the built-in Dockerfile makes it)",
  },
]
for (const c of reasons) {
  DescribeReason(`${c.reason.is} → ${c.want}`, () => {
    assert.is(describeReason(c.reason), c.want, `the verdict should read "${c.want}"`)
  })
}

DescribeReason.run()

// ---------------------------------------------------------------------------------------------
const DescribeIntent = suite('describeIntent')

const intents: { intent: Intent; want: string }[] = [
  { intent: { do: 'list' }, want: 'list the tasks' },
  { intent: { do: 'init', app: 'shop_site', files: ['docker/base', '.pypackagerc.json'] }, want: 'write docker/base, .pypackagerc.json for shop_site' },
  { intent: { do: 'inspect', image: 'acme/app-release:latest' }, want: 'read the manifest and SBOM of acme/app-release:latest' },
  { intent: { do: 'test', args: [] }, want: 'run the tests in the builder' },
  { intent: { do: 'test', args: ['-k', 'views'] }, want: 'run the tests in the builder with -k views' },
  { intent: { do: 'tag', repo: 'acme/app-release', tags: ['abc1234', 'v1'] }, want: 'tag acme/app-release: abc1234, v1' },
  { intent: { do: 'push', repo: 'r.example/acme/app-release', tags: ['v1', 'latest'] }, want: 'push r.example/acme/app-release: v1, latest' },
  { intent: { do: 'smoke', image: 'acme/app-release:latest', paths: ['/', '/static/x.css'] }, want: 'start acme/app-release:latest, GET /, /static/x.css, stop it' },
  { intent: { do: 'serve', image: 'acme/app-release:latest', hostPort: 8000 }, want: 'serve acme/app-release:latest on 127.0.0.1:8000' },
  { intent: { do: 'serve', image: 'acme/app-release:latest', hostPort: 0 }, want: 'serve acme/app-release:latest on 127.0.0.1:a free port' },
  { intent: { do: 'run', image: 'acme/app-release:latest', command: ['python', '-V'] }, want: 'run python -V in acme/app-release:latest' },
  { intent: { do: 'start', hostPort: 0 }, want: 'start PostgreSQL and the app on a private network, the app on 127.0.0.1:a free port' },
  { intent: { do: 'bootstrap', steps: ['migrate', 'collectstatic'] }, want: 'start the database, then migrate, collectstatic' },
  { intent: { do: 'bootstrap', steps: [] }, want: 'start the database, then nothing else: no release phase, no static files, no DJANGO_SUPERUSER_* variables' },
  { intent: { do: 'manage', argv: ['migrate', '--plan'] }, want: 'start the database, run python -m django migrate --plan' },
  { intent: { do: 'stop', containers: ['acme-app-web', 'acme-app-db'] }, want: 'stop and remove acme-app-web and acme-app-db (the database volume stays)' },
  { intent: { do: 'logs', container: 'acme-app-web', tail: 50, follow: true }, want: 'print the last 50 lines of acme-app-web, then follow' },
  { intent: { do: 'clean', containers: 3, networks: 1, volumes: 1, images: 4, wheelhouse: 'wheelhouse' }, want: 'remove 3 containers, 1 networks, 1 volumes, 4 images and wheelhouse' },
]
for (const c of intents) {
  DescribeIntent(`${c.intent.do} → ${c.want}`, () => {
    assert.is(describeIntent(c.intent), c.want, `the dry run should say "${c.want}"`)
  })
}

DescribeIntent.run()
