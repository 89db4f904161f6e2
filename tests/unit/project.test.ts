import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { isInside, pyprojectName } from '../../lib/project.js'

const toml = (...l: string[]) => l.join('\n') + '\n'

// ---------------------------------------------------------------------------------------------
const PyprojectName = suite('pyprojectName')

const names: { name: string; text: string; want: string | undefined }[] = [
  { name: 'the name in [project]', text: toml('[project]', 'name = "pollsite"', 'version = "0.1.0"'), want: 'pollsite' },
  { name: 'single quotes and spaces around =', text: toml('[project]', "name   =   'my-app'"), want: 'my-app' },
  { name: 'name after other keys', text: toml('[project]', 'version = "1"', 'description = "x"', 'name = "late"'), want: 'late' },
  {
    name: 'the [project] name, not a [tool.x] name before it',
    text: toml('[build-system]', 'requires = ["setuptools"]', '', '[tool.poetry]', 'name = "poetry-name"', '', '[project]', 'name = "real"'),
    want: 'real',
  },
  {
    name: 'the [project] name, not a [tool.x] name after it',
    text: toml('[project]', 'version = "1"', '', '[tool.setuptools]', 'name = "tool-name"'),
    want: undefined,
  },
  { name: 'nothing when only [tool.x] has a name', text: toml('[tool.poetry]', 'name = "poetry-name"'), want: undefined },
  { name: 'nothing from a [project.*] sub-table', text: toml('[project.urls]', 'name = "not-it"', '[project]', 'version = "1"'), want: undefined },
  { name: 'nothing from a key that only ends in name', text: toml('[project]', 'fullname = "x"'), want: undefined },
  { name: 'nothing from an empty file', text: '', want: undefined },
  { name: 'CRLF line endings', text: '[project]\r\nname = "win"\r\n', want: 'win' },
]
for (const c of names) {
  PyprojectName(c.name, () => {
    assert.is(pyprojectName(c.text), c.want, `the project name should be ${JSON.stringify(c.want)}`)
  })
}

PyprojectName.run()

// ---------------------------------------------------------------------------------------------
const IsInside = suite('isInside')

const root = path.resolve('/work/proj')
const inside: [string, boolean][] = [
  [root, true],
  [path.join(root, 'src'), true],
  [path.join(root, 'a/b/c'), true],
  [path.join(root, 'src/../wheelhouse'), true],
  [path.resolve(root, '..'), false],
  [path.resolve(root, '../proj-other'), false],
  [path.resolve(root, '../../etc'), false],
  ['/', false],
]
for (const [p, want] of inside) {
  IsInside(`${p} → ${want}`, () => {
    assert.is(isInside(root, p), want, `"${p}" should ${want ? '' : 'not '}be inside "${root}"`)
  })
}

IsInside.run()
