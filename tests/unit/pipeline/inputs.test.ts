import { chmodSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import { UserError } from '../../../lib/errors.js'
import * as assert from 'uvu/assert'
import { describeReason } from '../../../lib/render/reason.js'
import { diffInputs, hashAll, hashFile, hashInputs, sha256, type Inputs } from '../../../lib/pipeline/inputs.js'
import { rejected } from '../helpers/catch.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// ---------------------------------------------------------------------------------------------
const Sha256 = suite('sha256')

Sha256('hex digest of a string and of the same bytes as a Buffer', () => {
  const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
  assert.is(sha256('abc'), abc, 'sha256("abc") should be the standard test vector')
  assert.is(sha256(Buffer.from('abc')), abc, 'a Buffer should hash like the same string')
})

Sha256.run()

// ---------------------------------------------------------------------------------------------
const HashInputs = suite('hashInputs')

const inputs: Inputs = { builder: 'sha256:b1', pip: 'p1', 'file:manage.py': 'h1', 'arg:PYTHON_VERSION': '3.12' }

HashInputs('the same map in another key order gives the same hash', () => {
  const reversed = Object.fromEntries(Object.entries(inputs).reverse())
  assert.is(hashInputs(reversed), hashInputs(inputs), 'key order should not change the hash')
})

HashInputs('a 64-character hex digest', () => {
  assert.match(hashInputs(inputs), /^[0-9a-f]{64}$/, 'the hash should be a sha256 hex digest')
})

const changes: { name: string; other: Inputs }[] = [
  ...Object.keys(inputs).map((k) => ({ name: `${k} has another value`, other: { ...inputs, [k]: `${inputs[k]}x` } })),
  { name: 'a key is added', other: { ...inputs, 'file:new.py': 'h2' } },
  { name: 'a key is removed', other: Object.fromEntries(Object.entries(inputs).filter(([k]) => k !== 'pip')) },
  { name: 'a key is renamed, value kept', other: { ...Object.fromEntries(Object.entries(inputs).filter(([k]) => k !== 'file:manage.py')), 'file:main.py': 'h1' } },
]
for (const c of changes) {
  HashInputs(`changes when ${c.name}`, () => {
    assert.is.not(hashInputs(c.other), hashInputs(inputs), `the hash should change when ${c.name}`)
  })
}

HashInputs('a key/value boundary cannot be shifted to collide', () => {
  assert.is.not(hashInputs({ 'file:a': 'b:c' }), hashInputs({ 'file:a:b': 'c' }), 'moving ":" between key and value should change the hash')
})

HashInputs('the empty map has a stable hash', () => {
  assert.is(hashInputs({}), hashInputs({}), 'hashing nothing twice should agree')
  assert.is.not(hashInputs({}), hashInputs(inputs), 'nothing should not hash like something')
})

HashInputs.run()

// ---------------------------------------------------------------------------------------------
const DiffInputs = suite('diffInputs (in words: render/reason.ts)')

const before: Inputs = { 'file:docker/base/Dockerfile': 'h1', 'arg:PYTHON_VERSION': '3.12', 'parent:base': 'sha256:p1', builder: 'sha256:b1', pip: 'p1', 'from:python:3.12-slim': 'sha256:f1' }
const without = (k: string) => Object.fromEntries(Object.entries(before).filter(([key]) => key !== k))

const explained: { name: string; previous: Inputs | undefined; current: Inputs; label?: (n: string) => string; want: string }[] = [
  { name: 'never built', previous: undefined, current: before, want: 'never built' },
  { name: 'a file changed', previous: before, current: { ...before, 'file:docker/base/Dockerfile': 'h2' }, want: 'docker/base/Dockerfile changed' },
  { name: 'a file added', previous: before, current: { ...before, 'file:docker/base/entrypoint.sh': 'h3' }, want: 'docker/base/entrypoint.sh added' },
  { name: 'a file removed', previous: before, current: without('file:docker/base/Dockerfile'), want: 'docker/base/Dockerfile removed' },
  { name: 'a build arg set', previous: without('arg:PYTHON_VERSION'), current: before, want: 'build arg PYTHON_VERSION set' },
  { name: 'a build arg changed', previous: before, current: { ...before, 'arg:PYTHON_VERSION': '3.13' }, want: 'build arg PYTHON_VERSION changed' },
  { name: 'a build arg removed', previous: before, current: without('arg:PYTHON_VERSION'), want: 'build arg PYTHON_VERSION removed' },
  { name: 'a parent rebuilt', previous: before, current: { ...before, 'parent:base': 'sha256:p2' }, want: 'parent image base rebuilt' },
  {
    name: 'a parent rebuilt, with its label',
    previous: before,
    current: { ...before, 'parent:base': 'sha256:p2' },
    label: (n) => `docker/${n}`,
    want: 'parent image docker/base rebuilt',
  },
  { name: 'the builder rebuilt', previous: before, current: { ...before, builder: 'sha256:b2' }, want: 'builder image rebuilt' },
  { name: 'pip settings changed', previous: before, current: { ...before, pip: 'p2' }, want: 'pip settings changed' },
  { name: 'a FROM image replaced', previous: before, current: { ...before, 'from:python:3.12-slim': 'sha256:f2' }, want: 'FROM image python:3.12-slim replaced' },
  { name: 'unchanged', previous: before, current: { ...before }, want: 'inputs unchanged but no image holds them' },
  {
    name: 'changes before removals, each group sorted',
    previous: { 'file:b': '1', 'file:z': '1', 'file:gone': '1' },
    current: { 'file:z': '2', 'file:b': '2' },
    want: 'b changed, z changed, gone removed',
  },
]
for (const c of explained) {
  DiffInputs(c.name, () => {
    assert.is(describeReason(diffInputs(c.previous, c.current, c.label)), c.want, `the reason should be "${c.want}"`)
  })
}

DiffInputs('the changes are data: the key, what happened, the parent image as the user knows it', () => {
  assert.equal(
    diffInputs(before, { ...without('pip'), 'parent:base': 'sha256:p2', 'file:new.py': 'h' }, (n) => `docker/${n}`),
    {
      is: 'changed',
      changes: [
        { input: 'file:new.py', change: 'added' },
        { input: 'parent:base', change: 'rebuilt', label: 'docker/base' },
        { input: 'pip', change: 'removed' },
      ],
    },
    'one entry per changed key, additions and changes first, then removals',
  )
})

DiffInputs.run()

// ---------------------------------------------------------------------------------------------
const HashFile = suite('hashFile')

let dir: string
HashFile.before(() => {
  dir = makeTemp('hash-file')
  writeTree(dir, { 'a.txt': 'same', 'b.txt': 'same', 'c.txt': 'other', 'run.sh': 'same' })
  chmodSync(path.join(dir, 'run.sh'), 0o755)
  symlinkSync('a.txt', path.join(dir, 'link-a'))
  symlinkSync('a.txt', path.join(dir, 'link-a2'))
  symlinkSync('c.txt', path.join(dir, 'link-c'))
})
HashFile.after(() => removeTemp(dir))

const at = (f: string) => hashFile(path.join(dir, f))

HashFile('a 16-character hex hash', async () => {
  assert.match(await at('a.txt'), /^[0-9a-f]{16}$/, 'the hash should be 16 hex characters')
})

HashFile('same content, same hash, whatever the file name', async () => {
  assert.is(await at('a.txt'), await at('b.txt'), 'two files with the same bytes should hash alike')
})

HashFile('other content, other hash', async () => {
  assert.is.not(await at('a.txt'), await at('c.txt'), 'different bytes should hash differently')
})

HashFile('the executable bit changes the hash (Docker keeps it)', async () => {
  assert.is.not(await at('run.sh'), await at('a.txt'), 'an executable file should not hash like the same bytes without +x')
})

HashFile('a symlink hashes its target path, not the content', async () => {
  assert.is(await at('link-a'), await at('link-a2'), 'two links to the same target should hash alike')
  assert.is.not(await at('link-a'), await at('link-c'), 'links to different targets should differ')
  assert.is.not(await at('link-a'), await at('a.txt'), 'a link should not hash like the file it points to')
})

HashFile('a file that cannot be read is a UserError naming it and the errno, with the cause kept', async () => {
  const e = await rejected(at('absent'), 'hashing a missing file')
  assert.instance(e, UserError, 'a UserError, not a raw fs error')
  assert.match((e as UserError).message, /cannot read .*absent \(ENOENT\)/, 'names the file and the errno')
  assert.is(((e as UserError).cause as NodeJS.ErrnoException).code, 'ENOENT', 'the fs error is the cause')
})

HashFile.run()

// ---------------------------------------------------------------------------------------------
const HashAll = suite('hashAll')

HashAll('the hashes in the order of the files, read side by side', async () => {
  const order: string[] = []
  const slowFirst = async (f: string) => {
    await new Promise((r) => setImmediate(r))
    if (f === 'a') await new Promise((r) => setImmediate(r))
    order.push(f)
    return `h-${f}`
  }
  assert.equal(await hashAll(['a', 'b', 'c'], slowFirst), ['h-a', 'h-b', 'h-c'])
  assert.equal(order, ['b', 'c', 'a'], 'a slow first file should not hold the others back')
})

HashAll("unreadable files: the first one's error, in the files' order", async () => {
  const failing = async (f: string) => {
    if (f === 'b') await new Promise((r) => setImmediate(r))
    if (f !== 'a') throw new Error(`cannot read ${f}`)
    return 'h'
  }
  const e = (await rejected(hashAll(['a', 'b', 'c'], failing), 'two unreadable files')) as Error
  assert.is(e.message, 'cannot read b', 'the error of the first unreadable file in order, not the first to fail')
})

HashAll.run()
