import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { REQUIREMENTS_PY } from '../../../lib/pipeline/pep517-requirements.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'
import { callPython, python39SyntaxError, writeFragment, type Outcome } from './helpers/python.js'

// lib/pipeline/pep517-requirements.ts: the PEP 440 / PEP 508 checks of the PEP 517 frontend,
// Python run by the host's python3, its functions called one by one. The expected answers are
// what pip's `packaging` decides (checked against packaging 26 when the table was written).

let dir: string
let file: string
const S = suite('REQUIREMENTS_PY')
S.before(() => {
  dir = makeTemp('pep517-req')
  file = writeFragment(dir, 'requirements', REQUIREMENTS_PY)
  // An installed distribution, as importlib.metadata finds it on sys.path: ppt-dep 1.0.
  mkdirSync(path.join(dir, 'site/ppt_dep-1.0.dist-info'), { recursive: true })
  writeFileSync(path.join(dir, 'site/ppt_dep-1.0.dist-info/METADATA'), 'Metadata-Version: 2.1\nName: ppt-dep\nVersion: 1.0\n')
})
S.after(() => removeTemp(dir))

/** Call `fn` once per argument list; the outcomes, in order. */
const each = (fn: string, argLists: unknown[][], after = ''): Outcome[] =>
  callPython(
    file,
    argLists.map((a) => [fn, a]),
    { before: `sys.path.insert(0, ${JSON.stringify(path.join(dir, 'site'))})`, after },
  )
const ok = (value: unknown): Outcome => ({ ok: value })

S('is Python 3.9 syntax', () => {
  assert.is(python39SyntaxError(file), '', 'a base image may carry Python 3.9')
})

S('versions: parsed and written in their normal form; not a version is None', () => {
  const cases: [string, string | null][] = [
    ['1.0', '1.0'],
    ['V1.0-RC-2', '1.0rc2'],
    ['1.0-1', '1.0.post1'],
    ['1.0a', '1.0a0'],
    ['1.0.0-alpha.1', '1.0.0a1'],
    ['1.0+Ubuntu-1', '1.0+ubuntu.1'],
    ['1!2.0.DEV3', '1!2.0.dev3'],
    ['2.0.post', '2.0.post0'],
    ['not a version', null],
    ['1.0-beta', '1.0b0'],
  ]
  const got = each(
    'norm',
    cases.map(([v]) => [v]),
    'ns["norm"] = lambda t: (lambda v: v and ns["normalized"](v))(ns["parse_version"](t))',
  )
  cases.forEach(([v, want], i) => assert.equal(got[i], ok(want), `${v} → ${want}`))
})

S('versions sort in PEP 440 order: dev < pre < final < local < post', () => {
  const shuffled = ['1.0.post0', '1.0.post1', '1.0', '1.0.dev0', '1.0a1', '1.0b2', '1.0rc1', '1.0+local', '0.9', '1!0.1', '1.0.0.1', '1.1.dev1', '1.0a1.dev1', '1.0.post1.dev0']
  const [got] = each('order', [[shuffled]], 'ns["order"] = lambda vs: sorted(vs, key=lambda t: ns["sort_key"](ns["parse_version"](t)))')
  assert.equal(got, ok(['0.9', '1.0.dev0', '1.0a1.dev1', '1.0a1', '1.0b2', '1.0rc1', '1.0', '1.0+local', '1.0.post0', '1.0.post1.dev0', '1.0.post1', '1.0.0.1', '1.1.dev1', '1!0.1']))
})

S('specifiers: an installed version against a specifier set, as packaging decides (pre-releases count)', () => {
  const cases: [string, string, boolean][] = [
    ['1.0', '>=1', true],
    ['1.0', '>1.0', false],
    ['1.0.post1', '>1.0', false],
    ['1.1', '>1.0', true],
    ['1.0+local', '>1.0', false],
    ['1.0+local', '==1.0', true],
    ['1.0', '==1.0+local', false],
    ['1.0rc1', '<1.0', false],
    ['0.9', '<1.0', true],
    ['1.0.dev0', '<1.0', false],
    ['1.0.dev0', '<1.0rc1', true],
    ['2.2.2', '~=2.2', true],
    ['3.0', '~=2.2', false],
    ['2.2.9', '~=2.2.0', true],
    ['2.3', '~=2.2.0', false],
    ['1.4.2', '==1.4.*', true],
    ['1.40', '==1.4.*', false],
    ['1.4', '!=1.4.*', false],
    ['1.0', '===1.0', true],
    ['1.0.0', '===1.0', false],
    ['1.0', '<=1.0,!=0.5', true],
    ['1.0.0', '==1', true],
    ['1.5', '>=1,<2', true],
    ['2.0', '>=1,<2', false],
    ['anything', '', true],
  ]
  const got = each(
    'satisfies',
    cases.map(([have, spec]) => [have, spec]),
  )
  cases.forEach(([have, spec, want], i) => assert.equal(got[i], ok(want), `${have} ${spec || '(none)'}: ${want}`))
})

S('specifiers that are not: a ValueError naming them', () => {
  const got = each('satisfies', [
    ['1.0', '>=1.0.x'],
    ['1.0', '~=1'],
    ['1.0', '=>1'],
  ])
  assert.equal(got, [{ error: 'ValueError: invalid version in >=1.0.x' }, { error: 'ValueError: ~= needs a version of two parts or more: ~=1' }, { error: "ValueError: invalid specifier '=>1'" }])
})

S('requirements: name, specifiers (parenthesised too), marker; a URL requirement has no specifiers', () => {
  const got = each('parse_requirement', [
    ['setuptools>=61'],
    ['Foo.Bar[extra1,extra2] (>=1, <2) ; python_version < "3.12"'],
    ['pkg @ https://example.org/pkg-1.0.whl ; os_name == "posix"'],
    ['wheel'],
    ['-e .'],
    ['pkg >= 1 ==2'],
  ])
  assert.equal(got.slice(0, 4), [ok(['setuptools', '>=61', null]), ok(['Foo.Bar', '>=1, <2', 'python_version < "3.12"']), ok(['pkg', '', 'os_name == "posix"']), ok(['wheel', '', null])])
  assert.equal(got[4], { error: 'ValueError: not a requirement' })
  assert.ok('error' in got[5], `two specifiers without a comma are refused: ${JSON.stringify(got[5])}`)
})

S('markers: evaluated in a given environment, versions compared as versions', () => {
  const env = {
    python_version: '3.9',
    python_full_version: '3.9.18',
    sys_platform: 'linux',
    os_name: 'posix',
    platform_machine: 'x86_64',
    implementation_name: 'cpython',
    platform_python_implementation: 'CPython',
    extra: 'test-extra',
  }
  const cases: [string, boolean | string][] = [
    ['python_version < "3.10"', true], // as strings "3.9" > "3.10": compared as versions
    ['python_version >= "3.9" and sys_platform == "win32"', false],
    ['os_name == "posix" or sys_platform == "win32"', true],
    ['sys_platform == "win32" or (os_name == "posix" and python_version < "3")', false],
    ['"linux" in sys_platform', true],
    ['platform_machine not in "arm64 aarch64"', true],
    ['python_full_version == "3.9.*"', true],
    ['python_full_version ~= "3.9.0"', true],
    ['os.name == "posix"', true],
    ['platform.python_implementation == "CPython"', true],
    ['extra == "Test_Extra"', true],
    ['implementation_name == "pypy"', false],
    ['unknown_var == "x"', 'ValueError: unknown marker variable unknown_var'],
    ['python_version <', 'ValueError'],
  ]
  const got = each(
    'marker_true',
    cases.map(([m]) => [m, env]),
  )
  cases.forEach(([marker, want], i) => {
    if (typeof want === 'boolean') assert.equal(got[i], ok(want), `${marker} → ${want}`)
    else assert.ok('error' in got[i] && got[i].error.startsWith(want), `${marker} → ${want}: got ${JSON.stringify(got[i])}`)
  })
})

S('the marker environment of this interpreter has every PEP 508 variable', () => {
  const [got] = each('marker_env', [[]])
  const keys = Object.keys((got as { ok: Record<string, string> }).ok).sort()
  assert.equal(keys, [
    'extra',
    'implementation_name',
    'implementation_version',
    'os_name',
    'platform_machine',
    'platform_python_implementation',
    'platform_release',
    'platform_system',
    'platform_version',
    'python_full_version',
    'python_version',
    'sys_platform',
  ])
})

S('missing: absent or at an excluded version is missing (with the version found); a false marker is not needed', () => {
  const got = each('missing', [
    [['ppt-dep>=1', 'PPT.Dep==1.*', 'ppt_dep (>=0.9, <2)']],
    [['ppt-dep>=2']],
    [['ppt-absent', 'ppt-dep!=1.0']],
    [['ppt-absent; python_version < "3"']],
    [['ppt-absent; sys_platform == "' + process.platform + '"']],
    [['not a requirement!']],
  ])
  assert.equal(got[0], ok([]), 'installed at an allowed version, however the name is spelled')
  assert.equal(got[1], ok([['ppt-dep>=2', '1.0']]), 'too old: missing, with the version installed')
  assert.equal(
    got[2],
    ok([
      ['ppt-absent', null],
      ['ppt-dep!=1.0', '1.0'],
    ]),
    'absent (None), and excluded',
  )
  assert.equal(got[3], ok([]), 'a marker false here: not needed')
  assert.equal(got[4], ok([[`ppt-absent; sys_platform == "${process.platform}"`, null]]), 'a marker true here: needed')
  assert.ok('error' in got[5] && got[5].error.startsWith('ValueError: not a requirement!: '), `names the requirement: ${JSON.stringify(got[5])}`)
})

S.run()
