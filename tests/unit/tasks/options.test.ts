import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultConcurrency, graphOptions, parseConcurrency } from '../../../lib/tasks/options.js'
import { imageNameFromArg } from '../../../lib/pipeline/image-graph.js'
import { userError } from '../helpers/catch.js'

// ---------------------------------------------------------------------------------------------
const DefaultConcurrency = suite('defaultConcurrency')

const cpus: [number, number][] = [
  [1, 2],
  [2, 2],
  [3, 3],
  [4, 4],
  [5, 4],
  [64, 4],
]
for (const [n, want] of cpus) {
  DefaultConcurrency(`${n} CPU(s) → ${want}`, () => {
    assert.is(defaultConcurrency(n), want, `${n} CPU(s) should build ${want} images at once (at least 2, at most 4)`)
  })
}

DefaultConcurrency('without an argument it reads this machine and stays within 2..4', () => {
  const n = defaultConcurrency()
  assert.ok(Number.isInteger(n) && n >= 2 && n <= 4, `the default should be a whole number from 2 to 4, got ${n}`)
})

DefaultConcurrency('the --concurrency help shows the default', () => {
  const opt = graphOptions.find((o) => o.name === 'concurrency')
  assert.ok(opt, 'the graph tasks should have a --concurrency option')
  assert.match(opt!.description, `default: ${defaultConcurrency()}`, 'its description should name the default')
})

DefaultConcurrency.run()

// ---------------------------------------------------------------------------------------------
const ParseConcurrency = suite('parseConcurrency')

ParseConcurrency('no option → the default', () => {
  assert.is(parseConcurrency(undefined), defaultConcurrency(), 'without --concurrency the default should be used')
})

const valid: [string, number][] = [
  ['1', 1],
  ['3', 3],
  ['16', 16],
]
for (const [value, want] of valid) {
  ParseConcurrency(`'${value}' → ${want}`, () => {
    assert.is(parseConcurrency(value), want, `--concurrency ${value} should be ${want}`)
  })
}

const invalid: (string | boolean)[] = ['0', '-1', '1.5', 'x', '', 'two']
for (const value of invalid) {
  ParseConcurrency(`${JSON.stringify(value)} is a UserError naming the value, with an example`, () => {
    const e = userError(() => parseConcurrency(value), `--concurrency ${JSON.stringify(value)}`)
    assert.match(e.message, '--concurrency must be a whole number of at least 1', 'the message should say what is accepted')
    assert.match(e.message, JSON.stringify(value), 'the message should quote the value given')
    assert.match(e.hint ?? '', '--concurrency 2', 'the hint should show an example')
  })
}

// parseArgv always gives --concurrency a value, but the signature takes a flag's `true`.
ParseConcurrency('true (a bare flag) is a UserError, not 1 (lib bug: see report)', () => {
  userError(() => parseConcurrency(true), '--concurrency as a bare flag')
})

ParseConcurrency.run()

// ---------------------------------------------------------------------------------------------
const ImageNameFromArg = suite('imageNameFromArg')

const root = '/work/project'
const dockerDir = '/work/project/docker'

const names: { arg: string; want: string }[] = [
  { arg: 'docker/builder', want: 'builder' },
  { arg: 'docker/builder/', want: 'builder' },
  { arg: './docker/base', want: 'base' },
  { arg: 'builder', want: 'builder' },
  { arg: '/work/project/docker/release', want: 'release' },
]
for (const c of names) {
  ImageNameFromArg(`${c.arg} → ${c.want}`, () => {
    assert.is(imageNameFromArg(c.arg, dockerDir, root), c.want, `${c.arg} should name the image "${c.want}"`)
  })
}

for (const arg of ['other/base', 'docker/base/extra', '/elsewhere/docker/base']) {
  ImageNameFromArg(`${arg} is a UserError pointing at the image folders`, () => {
    const e = userError(() => imageNameFromArg(arg, dockerDir, root), arg)
    assert.is(e.message, `${arg} is not an image folder under docker`, 'the message should name the argument and the docker folder')
    assert.match(e.hint ?? '', 'e.g. docker/base', 'the hint should show an image folder')
  })
}

ImageNameFromArg.run()
