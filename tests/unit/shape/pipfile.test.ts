import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parsePipfile, pipfileRequirement, readPipfile } from '../../../lib/shape/pipfile.js'
import { userError } from '../helpers/catch.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

const toml = (...l: string[]) => l.join('\n') + '\n'

const PIPFILE = toml(
  '[[source]]',
  'url = "https://pypi.org/simple"',
  'verify_ssl = true',
  'name = "pypi"',
  '',
  '[packages]',
  'django = "<4"',
  'requests = {version = ">=2.28", extras = ["socks"]}',
  'whitenoise = "*"',
  'myproject = {path = ".", editable = true}',
  '',
  '[dev-packages]',
  'pytest = "*"',
  'pytest-django = "==4.5.2"',
  '',
  '[requires]',
  'python_version = "3.11"',
)

// ---------------------------------------------------------------------------------------------
const ParsePipfile = suite('parsePipfile')

ParsePipfile('[packages] are the runtime requirements, [dev-packages] the tools; the project itself is left out', () => {
  assert.equal(parsePipfile(PIPFILE), { packages: ['django<4', 'requests[socks]>=2.28', 'whitenoise'], devPackages: ['pytest', 'pytest-django==4.5.2'] })
})

ParsePipfile('no sections: nothing declared', () => {
  assert.equal(parsePipfile(toml('[requires]', 'python_version = "3.11"')), { packages: [], devPackages: [] })
})

ParsePipfile('not TOML: the file and line, and no stack', () => {
  const e = userError(() => parsePipfile(toml('[packages]', 'django = <4'), '/src/Pipfile'), 'bad TOML')
  assert.match(e.message, /^\/src\/Pipfile:2(:\d+)? is not valid TOML/)
  assert.match(e.hint ?? '', /fix the file/)
})

ParsePipfile.run()

// ---------------------------------------------------------------------------------------------
const PipfileRequirement = suite('pipfileRequirement')

const entries: [string, unknown, string[]][] = [
  ['flask', '*', ['flask']],
  ['flask', '~=2.2', ['flask~=2.2']],
  ['flask', { version: '*' }, ['flask']],
  ['pywin32', { version: '*', markers: "sys_platform == 'win32'" }, ["pywin32; sys_platform == 'win32'"]],
  ['uvloop', { version: '*', sys_platform: "!= 'win32'" }, ["uvloop; sys_platform != 'win32'"]],
  ['tool', { git: 'https://example.org/tool.git', ref: 'v1.2' }, ['tool @ git+https://example.org/tool.git@v1.2']],
  ['me', { path: '.', editable: true }, []],
]
for (const [name, spec, want] of entries) {
  PipfileRequirement(`${name} = ${JSON.stringify(spec)}`, () => {
    assert.equal(pipfileRequirement(name, spec), want)
  })
}

PipfileRequirement.run()

// ---------------------------------------------------------------------------------------------
const ReadPipfile = suite('readPipfile')
let tmp = ''
ReadPipfile.before(() => {
  tmp = makeTemp('pipfile')
})
ReadPipfile.after(() => removeTemp(tmp))

ReadPipfile('the Pipfile of the folder, or undefined', () => {
  assert.equal(readPipfile(writeTree(path.join(tmp, 'a'), { Pipfile: PIPFILE }))?.packages, ['django<4', 'requests[socks]>=2.28', 'whitenoise'])
  assert.is(readPipfile(writeTree(path.join(tmp, 'b'), { 'requirements.txt': 'flask\n' })), undefined)
})

ReadPipfile.run()
