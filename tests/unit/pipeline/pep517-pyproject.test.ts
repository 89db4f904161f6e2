import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { PYPROJECT_PY } from '../../../lib/pipeline/pep517-pyproject.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'
import { callPython, python39SyntaxError, writeFragment } from './helpers/python.js'

// lib/pipeline/pep517-pyproject.ts: the frontend's [build-system] reader on every Python 3.9+,
// run by the host's python3: each reader on its own, the fallback chain when the better ones are
// missing, and the minimal reader's errors (line numbers, not tracebacks).

let dir: string
let file: string
const S = suite('PYPROJECT_PY')
S.before(() => {
  dir = makeTemp('pep517-pyproject')
  file = writeFragment(dir, 'pyproject_reader', PYPROJECT_PY)
})
S.after(() => removeTemp(dir))

const USUAL = '[build-system]\nrequires = ["setuptools>=61", "wheel"]\nbuild-backend = "setuptools.build_meta"\n'
const TABLE = { requires: ['setuptools>=61', 'wheel'], 'build-backend': 'setuptools.build_meta' }
const HIDE_TOMLLIB = 'sys.modules["tomllib"] = None'
const HIDE_TOMLI = 'sys.modules["tomli"] = None'

S('is Python 3.9 syntax', () => {
  assert.is(python39SyntaxError(file), '')
})

S('build_system: the table from the best reader there is, whichever it is', () => {
  const toml = path.join(dir, 'pyproject.toml')
  writeFileSync(toml, USUAL)
  for (const before of ['', HIDE_TOMLLIB, `${HIDE_TOMLLIB}; ${HIDE_TOMLI}`]) {
    // The last: pip's vendored tomli in a child process, else the minimal reader.
    assert.equal(callPython(file, [['build_system', [toml]]], { before }), [{ ok: TABLE }], `with ${before || 'everything'} available`)
  }
})

S('build_system: with no TOML library and no pip, the minimal reader', () => {
  const toml = path.join(dir, 'pyproject.toml')
  writeFileSync(toml, USUAL)
  // read_pip_tomli's child cannot import pip: the chain goes on to read_minimal.
  const after = 'ns["read_pip_tomli"].__globals__["PIP_TOMLI"] = "import sys; sys.exit(3)"'
  const [tomlHidden] = callPython(file, [['build_system', [toml]]], { before: `${HIDE_TOMLLIB}; ${HIDE_TOMLI}`, after })
  assert.equal(tomlHidden, { ok: TABLE })
})

S('each reader that cannot run here says Unavailable, so the next is tried', () => {
  const got = callPython(
    file,
    [
      ['read_tomllib', ['']],
      ['read_tomli', ['']],
    ],
    { before: `${HIDE_TOMLLIB}; ${HIDE_TOMLI}` },
  )
  assert.equal(got, [{ error: 'Unavailable: ' }, { error: 'Unavailable: ' }])
  assert.equal(
    callPython(file, [['reader_names', []]], { after: 'ns["reader_names"] = lambda: [r.__name__ for r in ns["TOML_READERS"]]' }),
    [{ ok: ['read_tomllib', 'read_tomli', 'read_pip_tomli', 'read_minimal'] }],
    'best first, the minimal reader last',
  )
})

S("pip's tomli: the table, and a TOML error as ValueError (not Unavailable)", () => {
  const got = callPython(file, [
    ['read_pip_tomli', [USUAL]],
    ['read_or_error', ['read_pip_tomli', '[build-system\n']],
  ])
  // The host python3 has pip: when it did not, the first would be Unavailable.
  assert.equal(got[0], { ok: TABLE })
  assert.match(String((got[1] as { ok: string }).ok), /^ValueError: /, JSON.stringify(got[1]))
})

S('the minimal reader: what tomllib reads, for the tables a pyproject.toml has', () => {
  const texts = [
    USUAL,
    "[build-system]\nrequires = [\n  'flit_core >=3.2,<4',  # why\n]\nbuild-backend = 'flit_core.buildapi'\nbackend-path = ['.']\n",
    'build-system = { requires = ["x"], build-backend = "y" }\n',
    '[project]\nname = "p"\nversion = "1"\n',
    '[project]\ndescription = """\n[build-system]\nrequires = ["evil"]\n"""\n[build-system]\nrequires = ["real"]\n',
    '[build-system]\nrequires = ["a\\tb \\u00e9 \\U0001F600"]\n',
    'x = 1979-05-27 07:32:00Z\n[build-system]\nrequires = []\n',
    '[[build-system]]\nrequires = ["an array of tables"]\n[[build-system]]\nrequires = ["two"]\n',
    'build-system = "not a table"\n',
    '[[tool.y]]\na = 1\n[[tool.y]]\nb.c = 2\n[build-system]\nrequires = ["real"]\n',
  ]
  const calls = texts.flatMap((t): [string, unknown[]][] => [
    ['read_minimal', [t]],
    ['tomllib_table', [t]],
  ])
  const got = callPython(file, calls, { after: 'import tomllib\nns["tomllib_table"] = lambda t: tomllib.loads(t).get("build-system", {})' })
  texts.forEach((t, i) => assert.equal(got[2 * i], got[2 * i + 1], `as tomllib reads:\n${t}`))
  assert.equal(got[8], { ok: { requires: ['real'] } }, 'a [build-system] inside a """ string is not the table')
})

S('a build-system that is not a table: the same named error from build_system, whichever reader read it', () => {
  const texts = ['[[build-system]]\nrequires = ["an array of tables"]\n', 'build-system = "not a table"\n', 'build-system = ["x"]\n']
  // The last: no TOML library and no pip, so the minimal reader.
  const noPip = 'ns["read_pip_tomli"].__globals__["PIP_TOMLI"] = "import sys; sys.exit(3)"'
  const readers: [string, { before?: string; after?: string }][] = [
    ['tomllib', {}],
    ['tomli or pip', { before: HIDE_TOMLLIB }],
    ["pip's tomli", { before: `${HIDE_TOMLLIB}; ${HIDE_TOMLI}` }],
    ['the minimal reader', { before: `${HIDE_TOMLLIB}; ${HIDE_TOMLI}`, after: noPip }],
  ]
  texts.forEach((text, i) => {
    const toml = path.join(dir, `not-a-table-${i}.toml`)
    writeFileSync(toml, text)
    for (const [reader, opts] of readers) {
      const [got] = callPython(file, [['build_system', [toml]]], opts)
      assert.equal(got, { error: 'NotATable: [build-system] must be a table' }, `${reader}:\n${text}`)
    }
  })
})

S('the minimal reader: what is not TOML is a ValueError naming the line', () => {
  const got = callPython(
    file,
    ['[build-system]\nrequires = ["a",\n', '[build-system]\nrequires = "x" "y"\n', '\n\nname = "unterminated\n', 'a = "bad \\q escape"\n', 'a.b = 1\na.b.c = 2\n', '= 1\n', 'a = \n'].map(
      (t): [string, unknown[]] => ['read_or_error', ['read_minimal', t]],
    ),
  )
  assert.equal(
    got.map((g) => (g as { ok: string }).ok),
    [
      'ValueError: line 3: expected a value',
      'ValueError: line 2: expected the end of the line',
      'ValueError: line 3: unterminated string',
      'ValueError: line 1: invalid escape',
      'ValueError: line 2: a.b.c is not a table',
      'ValueError: line 1: expected a key',
      'ValueError: line 1: expected a value',
    ],
  )
})

S.run()
