import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { PythonChoice } from '../../../lib/python.js'
import { describePython } from '../../../lib/render/shape.js'

// lib/render/shape.ts: the line init and plan print about the Python (describeShape's other lines: shape/detect.test.ts).

const DescribePython = suite('describePython')

const choice = (from: PythonChoice['from'], over: Partial<PythonChoice> = {}): PythonChoice => ({ version: '3.13', image: 'debian:trixie-slim', imageFrom: 'built-in', from, ...over })

for (const [name, python, want] of [
  [
    'the default',
    choice({ source: 'default' }, { version: '3.11', image: 'debian:bookworm-slim' }),
    'python: 3.11 (the default: .python-version or "python" in .pypackagerc.json choose another) on debian:bookworm-slim',
  ],
  ['from the config', choice({ source: 'config', file: '.pypackagerc.json', value: '3.13' }), 'python: 3.13 ("python" in .pypackagerc.json) on debian:trixie-slim'],
  ['from .python-version', choice({ source: '.python-version', file: 'app/.python-version', value: '3.13.1' }), 'python: 3.13 (app/.python-version: "3.13.1") on debian:trixie-slim'],
  ['from runtime.txt', choice({ source: 'runtime.txt', file: 'runtime.txt', value: '3.13.1' }), 'python: 3.13 (runtime.txt: "3.13.1") on debian:trixie-slim'],
  [
    'the newest requires-python allows',
    choice({ source: 'requires-python', file: 'pyproject.toml', value: '>=3.12', pick: 'newest' }),
    'python: 3.13 (the newest available that requires-python ">=3.12" in pyproject.toml allows) on debian:trixie-slim',
  ],
  [
    'the default requires-python allows',
    choice({ source: 'requires-python', file: 'setup.cfg', value: '>=3.9', pick: 'default' }, { version: '3.11', image: 'debian:bookworm-slim' }),
    'python: 3.11 (the default, which requires-python ">=3.9" in setup.cfg allows) on debian:bookworm-slim',
  ],
  [
    'an image from "pythonImages"',
    choice({ source: 'config', file: '.pypackagerc.json', value: '3.12' }, { version: '3.12', image: 'ubuntu:24.04', imageFrom: 'pythonImages' }),
    'python: 3.12 ("python" in .pypackagerc.json) on ubuntu:24.04 (from "pythonImages")',
  ],
] as const) {
  DescribePython(name, () => {
    assert.is(describePython(python), want)
  })
}

DescribePython.run()
