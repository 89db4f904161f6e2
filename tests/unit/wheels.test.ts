import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { PipConfig } from '../../lib/config/schema.js'
import { builderScript, MOUNT, pipEnv, pipHint } from '../../lib/pipeline/wheels.js'

const pipDefaults: PipConfig = { indexUrl: null, extraIndexUrls: [], findLinks: [], noIndex: false, buildIsolation: true }
const pip = (over: Partial<PipConfig>): PipConfig => ({ ...pipDefaults, ...over })

// ---------------------------------------------------------------------------------------------
const PipEnv = suite('pipEnv')

const envCases: { name: string; pip: PipConfig; mounts: string[]; want: Record<string, string> }[] = [
  { name: 'defaults: only the version check is silenced', pip: pipDefaults, mounts: [], want: { PIP_DISABLE_PIP_VERSION_CHECK: '1' } },
  { name: 'noIndex', pip: pip({ noIndex: true }), mounts: [], want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INDEX: '1' } },
  {
    name: 'indexUrl',
    pip: pip({ indexUrl: 'https://pypi.example.com/simple' }),
    mounts: [],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_INDEX_URL: 'https://pypi.example.com/simple' },
  },
  {
    name: 'extraIndexUrls joined by spaces, as pip reads a list from the environment',
    pip: pip({ extraIndexUrls: ['https://a.example/simple', 'https://b.example/simple'] }),
    mounts: [],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_EXTRA_INDEX_URL: 'https://a.example/simple https://b.example/simple' },
  },
  {
    name: 'findLinks as the container mounts, not the host paths',
    pip: pip({ findLinks: ['/home/me/wheels', 'vendor'] }),
    mounts: ['/find-links/0', '/find-links/1'],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_FIND_LINKS: '/find-links/0 /find-links/1' },
  },
  {
    name: 'offline: noIndex with findLinks',
    pip: pip({ noIndex: true, findLinks: ['vendor'] }),
    mounts: ['/find-links/0'],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INDEX: '1', PIP_FIND_LINKS: '/find-links/0' },
  },
  {
    name: 'buildIsolation is not an environment setting (it is in the script)',
    pip: pip({ buildIsolation: false }),
    mounts: [],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1' },
  },
]
for (const c of envCases) {
  PipEnv(c.name, () => {
    assert.equal(pipEnv(c.pip, c.mounts), c.want, `the builder environment should be ${JSON.stringify(c.want)}`)
  })
}

PipEnv.run()

// ---------------------------------------------------------------------------------------------
const BuilderScript = suite('builderScript')

const scriptLines = (s: string) => s.split('\n')

BuilderScript('stops at the first failing command', () => {
  assert.is(scriptLines(builderScript({ packages: [], buildIsolation: true }))[0], 'set -eu', 'the script should start with "set -eu"')
})

BuilderScript('keeps build isolation by default', () => {
  const s = builderScript({ packages: [], buildIsolation: true })
  assert.not.match(s, '--no-build-isolation', 'with buildIsolation true pip should not get --no-build-isolation')
})

BuilderScript('passes --no-build-isolation to the local build when buildIsolation is false', () => {
  const lines = scriptLines(builderScript({ packages: [], buildIsolation: false }))
  const withFlag = lines.filter((l) => l.includes('--no-build-isolation'))
  assert.is(withFlag.length, 1, 'exactly one command should carry --no-build-isolation')
  assert.match(withFlag[0], /^pip wheel --no-deps --no-build-isolation --wheel-dir \/tmp\/local /, 'it should be the --no-deps build of our own sources')
})

BuilderScript('copies the read-only source before building, leaving out VCS and build folders', () => {
  const lines = scriptLines(builderScript({ packages: [], buildIsolation: true }))
  const copy = lines.findIndex((l) => l.startsWith(`tar -C ${MOUNT.source} `))
  const build = lines.findIndex((l) => l.startsWith('pip wheel --no-deps'))
  assert.ok(copy >= 0, 'the source should be copied out of the read-only mount')
  assert.ok(copy < build, 'the copy should happen before pip builds')
  for (const ex of ['./.git', './wheelhouse', './build', './node_modules']) {
    assert.match(lines[copy], `--exclude=${ex}`, `the copy should leave out ${ex}`)
  }
  assert.match(lines[build], / \/tmp\/src\/app$/, 'pip should build the copy, not the mount')
})

BuilderScript('copies each local package and builds it with the app', () => {
  const lines = scriptLines(builderScript({ packages: ['speedups', 'shared'], buildIsolation: true }))
  assert.ok(lines.includes(`cp -a ${MOUNT.packages}/speedups /tmp/src/speedups`), 'speedups should be copied from its mount')
  assert.ok(lines.includes(`cp -a ${MOUNT.packages}/shared /tmp/src/shared`), 'shared should be copied from its mount')
  const build = lines.find((l) => l.startsWith('pip wheel --no-deps'))!
  assert.match(build, / \/tmp\/src\/app \/tmp\/src\/speedups \/tmp\/src\/shared$/, 'the app and both packages should be built on one pip command line, in order')
})

BuilderScript('copies no package when there is none', () => {
  const s = builderScript({ packages: [], buildIsolation: true })
  assert.not.match(s, `cp -a ${MOUNT.packages}`, 'no local package copy should appear')
})

BuilderScript('resolves dependencies from the local wheels, then fills the wheelhouse', () => {
  const lines = scriptLines(builderScript({ packages: [], buildIsolation: true }))
  const deps = lines.findIndex((l) => l === 'pip wheel --wheel-dir /tmp/all --find-links /tmp/local /tmp/local/*.whl')
  const out = lines.findIndex((l) => l.includes(`${MOUNT.wheelhouse}/local/`) && l.startsWith('cp '))
  assert.ok(deps >= 0, 'dependencies should be resolved from the locally built wheels')
  assert.ok(out > deps, 'wheels should be copied to the wheelhouse after all were built')
})

BuilderScript('gives the wheelhouse back to the owner when one is given', () => {
  const lines = scriptLines(builderScript({ packages: [], buildIsolation: true, owner: '1000:1000' }))
  assert.is(lines[lines.length - 1], `chown -R 1000:1000 ${MOUNT.wheelhouse}`, 'the last command should chown the wheelhouse to the owner')
})

BuilderScript('does not chown without an owner', () => {
  const s = builderScript({ packages: [], buildIsolation: true })
  assert.not.match(s, 'chown', 'without an owner there should be no chown')
})

BuilderScript.run()

// ---------------------------------------------------------------------------------------------
const PipHint = suite('pipHint')

const hints: { name: string; lines: string[]; want: RegExp }[] = [
  {
    name: 'a missing distribution is named, with the config keys that fix it',
    lines: ['Looking in links: /find-links/0', 'ERROR: Could not find a version that satisfies the requirement gunicorn>=20 (from versions: none)', 'ERROR: No matching distribution found for gunicorn>=20'],
    want: /^pip cannot find gunicorn>=20: add a folder holding it to "pip\.findLinks", or set "pip\.indexUrl"/,
  },
  {
    name: 'a compiler failure points at the C extension and the builder Dockerfile',
    lines: ['building \'speedups\' extension', "error: command '/usr/bin/gcc' failed with exit code 1"],
    want: /C extension failed to compile.*docker\/builder\/Dockerfile/,
  },
  {
    name: 'a missing header is a compile failure too',
    lines: ['speedups.c:1:10: fatal error: Python.h: No such file or directory'],
    want: /C extension failed to compile/,
  },
  {
    name: 'no usable version without the "No matching distribution" line',
    lines: ['ERROR: Could not find a version that satisfies the requirement django<1'],
    want: /no wheel or sdist usable here.*"pip\.findLinks"/,
  },
  {
    name: 'a Python version mismatch',
    lines: ['ERROR: Package \'x\' requires a different Python: 3.11.2 not in \'>=3.12\''],
    want: /no wheel or sdist usable here/,
  },
  { name: 'anything else falls back to reading the output', lines: ['Killed'], want: /^read pip's output above; run with --verbose/ },
  { name: 'no output at all falls back too', lines: [], want: /^read pip's output above/ },
]
for (const c of hints) {
  PipHint(c.name, () => {
    assert.match(pipHint(c.lines), c.want, `the hint should match ${c.want}`)
  })
}

PipHint.run()
