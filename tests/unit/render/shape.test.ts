import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { PythonChoice } from '../../../lib/python.js'
import type { Shape } from '../../../lib/shape/detect.js'
import { describePython, describeShape } from '../../../lib/render/shape.js'

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

DescribePython("describeShape's python line: the choice, or the Dockerfiles' own when there is none", () => {
  const shape: Omit<Shape, 'pyproject'> = {
    kind: 'package',
    backend: 'setuptools.build_meta',
    requirements: [],
    declared: [],
    sqlite: [],
    tests: { tools: { kind: 'none' }, command: ['pytest'] },
    server: [],
  }
  const python = choice({ source: 'default' }, { version: '3.11', image: 'debian:bookworm-slim' })
  assert.ok(describeShape(shape, python).includes(describePython(python)), 'the choice, worded')
  assert.ok(describeShape(shape).includes("python: the project's Dockerfiles' own (none of the builder's and release's takes ARG OS_IMAGE)"), 'none: the Dockerfiles decide')
})

DescribePython.run()
