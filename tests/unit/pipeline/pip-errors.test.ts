import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Lock } from '../../../lib/shape/locks.js'
import { explainPip, pipHint } from '../../../lib/pipeline/pip-errors.js'

// ---------------------------------------------------------------------------------------------
const ExplainPip = suite('explainPip')

const lock: Lock = { file: 'poetry.lock', kind: 'poetry', packages: [{ name: 'flask', version: '2.3.0', hashes: [], groups: ['main'] }] }
const hints: { name: string; lines: string[]; lock?: Lock; message?: RegExp; want: RegExp }[] = [
  {
    name: 'a missing distribution is named, and what the index has, with the config keys that fix it',
    lines: [
      'Looking in links: /find-links/0',
      'ERROR: Could not find a version that satisfies the requirement gunicorn>=20 (from versions: none)',
      'ERROR: No matching distribution found for gunicorn>=20',
    ],
    message: /^the package index has no gunicorn>=20 \(it has no gunicorn at all\)$/,
    want: /^add a folder holding it to "pip\.findLinks", or set "pip\.indexUrl"/,
  },
  {
    name: "a lock's pin the index lacks: the package, the locked version, what the index has",
    lines: ['ERROR: Could not find a version that satisfies the requirement flask==2.3.0 (from versions: 2.2.2)', 'ERROR: No matching distribution found for flask==2.3.0'],
    lock,
    message: /^poetry\.lock pins flask 2\.3\.0, but the package index has only 2\.2\.2$/,
    want: /update the lock.*"pip\.indexUrl"/,
  },
  {
    name: 'a requirements line pip cannot read: file and line',
    lines: ["ERROR: Invalid requirement: 'Django>>3' (from line 2 of /application/requirements/base.txt)"],
    message: /^requirements\/base\.txt:2: pip cannot read the requirement "Django>>3"$/,
    want: /fix that line/,
  },
  {
    name: "the tool's own frontend explains itself",
    lines: [
      'ERROR: No matching distribution found for flit_core<4',
      'error: cannot install flit_core<4, the build requirements of /tmp/src/app, from the package index or pip.findLinks: add a folder',
    ],
    message: /^cannot install flit_core<4, the build requirements of \/tmp\/src\/app/,
    want: /output is above/,
  },
  {
    name: 'a compiler failure points at the C extension and the builder Dockerfile',
    lines: ["building 'speedups' extension", "error: command '/usr/bin/gcc' failed with exit code 1"],
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
    lines: ["ERROR: Package 'x' requires a different Python: 3.11.2 not in '>=3.12'"],
    want: /no wheel or sdist usable here/,
  },
  { name: 'anything else falls back to reading the output', lines: ['Killed'], want: /^read pip's output above; run with --verbose/ },
  { name: 'no output at all falls back too', lines: [], want: /^read pip's output above/ },
]
for (const c of hints) {
  ExplainPip(c.name, () => {
    const why = explainPip(c.lines, c.lock)
    assert.match(why.hint, c.want, `the hint should match ${c.want}`)
    if (c.message) assert.match(why.message ?? '', c.message, `the message should match ${c.message}`)
    assert.is(pipHint(c.lines), explainPip(c.lines).hint, 'pipHint is the hint alone')
  })
}

ExplainPip.run()
