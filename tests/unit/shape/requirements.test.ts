import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { smokeHint } from '../../../lib/pipeline/smoke.js'
import { dependencyNamedLike, readRequirements, unavailablePins } from '../../../lib/shape/requirements.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// ---------------------------------------------------------------------------------------------
const ReadRequirements = suite('readRequirements')
let tmp = ''
ReadRequirements.before(() => {
  tmp = makeTemp('requirements')
})
ReadRequirements.after(() => removeTemp(tmp))

ReadRequirements('follows -r includes, leaves constraints, options, URLs and local paths to pip, keeps file:line', () => {
  const dir = path.join(tmp, 'app')
  writeTree(dir, {
    'requirements.txt': [
      '# production',
      '-r requirements/base.txt',
      '-c requirements/constraints.txt',
      'gunicorn==20.1.0  # the server',
      '--index-url https://example.org/simple',
      '-e .',
      './libs/local',
      'https://example.org/x.whl',
      '',
    ].join('\n'),
    'requirements/base.txt': ['Django==3.2.25 \\', '    --hash=sha256:abc', 'whitenoise[brotli]>=6; python_version >= "3.8"', ''].join('\n'),
    'requirements/constraints.txt': 'Django<4\n',
  })
  const reqs = readRequirements(dir, ['requirements.txt'])
  assert.equal(
    reqs.map((r) => [r.name, r.text, r.at]),
    [
      ['django', 'Django==3.2.25', 'requirements/base.txt:1'],
      ['whitenoise', 'whitenoise[brotli]>=6; python_version >= "3.8"', 'requirements/base.txt:3'],
      ['gunicorn', 'gunicorn==20.1.0', 'requirements.txt:4'],
    ],
    'the requirements of both files, in order, each with where it was written',
  )
})

ReadRequirements('an include cycle is read once; a missing file is left to pip', () => {
  const dir = path.join(tmp, 'cycle')
  writeTree(dir, { 'a.txt': '-r b.txt\nflask\n', 'b.txt': '-r a.txt\n-r missing.txt\nclick\n' })
  assert.equal(
    readRequirements(dir, ['a.txt']).map((r) => r.name),
    ['click', 'flask'],
    'each file once',
  )
})

ReadRequirements.run()

// ---------------------------------------------------------------------------------------------
const UnavailablePins = suite('unavailablePins')

const has: Record<string, string[]> = { django: ['3.2.25'], pluggy: ['1.0.0+repack'], flask: ['2.2.2'] }
const line = (text: string) => ({ name: text.split(/[=<>~!]/)[0].toLowerCase(), text, at: 'requirements.txt:1' })
const pins: { name: string; text: string; missing: boolean }[] = [
  { name: 'a pin the folder has', text: 'Django==3.2.25', missing: false },
  { name: 'a pin the folder does not have', text: 'Django==3.2.13', missing: true },
  { name: 'a local version in the folder matches the public pin', text: 'pluggy==1.0.0', missing: false },
  { name: 'an arbitrary-equality pin', text: 'flask===2.3.0', missing: true },
  { name: 'a pin with a marker', text: 'flask==2.2.2; python_version >= "3.8"', missing: false },
  { name: 'a range is left to pip', text: 'flask>=3', missing: false },
  { name: 'a wildcard is left to pip', text: 'Django==3.2.*', missing: false },
  { name: 'a package the folder lacks entirely', text: 'requests==2.31.0', missing: true },
]
for (const c of pins) {
  UnavailablePins(c.name, () => {
    const out = unavailablePins([line(c.text)], (n) => has[n] ?? [])
    assert.is(out.length === 1, c.missing, `${c.text} should ${c.missing ? '' : 'not '}be reported`)
  })
}

UnavailablePins.run()

// ---------------------------------------------------------------------------------------------
const NamedLike = suite('dependencyNamedLike')

NamedLike('the requirement an app of that name would shadow, names compared as PEP 503 normalizes them', () => {
  const reqs = ['jinja2', 'Starlette>=0.20', 'uvicorn[standard]==0.17.6']
  assert.is(dependencyNamedLike('starlette', reqs), 'Starlette>=0.20')
  assert.is(dependencyNamedLike('Jinja2', reqs), 'jinja2')
  assert.is(dependencyNamedLike('UVICORN', reqs), 'uvicorn[standard]==0.17.6')
  assert.is(dependencyNamedLike('starlette-example', reqs), undefined)
  assert.is(dependencyNamedLike('starlette_app', ['starlette-app']), 'starlette-app', '_ and - are one')
  assert.is(dependencyNamedLike('shop', []), undefined)
})

NamedLike.run()

// ---------------------------------------------------------------------------------------------
const SmokeHint = suite('smokeHint')

const logs: { name: string; lines: string[]; want: RegExp }[] = [
  { name: 'sqlite without tables', lines: ['sqlite3.OperationalError: no such table: post'], want: /no tables yet.*"release\.releaseCommand".*"release\.releaseOnStart"/ },
  { name: 'PostgreSQL without tables', lines: ['psycopg2.errors.UndefinedTable: relation "polls_question" does not exist'], want: /no tables yet/ },
  { name: 'anything else: the log', lines: ['Traceback', 'KeyError: x'], want: /^the app's log is above$/ },
]
for (const c of logs) {
  SmokeHint(c.name, () => assert.match(smokeHint(c.lines), c.want, `the hint should match ${c.want}`))
}

SmokeHint.run()
