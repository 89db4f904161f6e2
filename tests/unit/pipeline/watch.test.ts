import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { changedFiles, folderWatcher, snapshotSources, toolOutput, watchedFolders } from '../../../lib/pipeline/watch.js'
import type { Project } from '../../../lib/project.js'
import { createFakeEngine } from '../../helpers/fake-engine.js'
import { taskContext } from '../helpers/context.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// What dev watches (lib/pipeline/watch.ts): the files a release is made of, what changed between
// two snapshots, the folders to watch, and a watcher that wakes once per burst of saves.

let tmp: string
const project = (): Project => taskContext(createFakeEngine(), { root: tmp, shape: 'detect' }).ctx.project
const TREE = {
  '.gitignore': 'media/\n',
  'app.py': 'from flask import Flask\n\napp = Flask(__name__)\n',
  'requirements.txt': 'flask\n',
  'templates/index.html': '<p>A</p>',
  'media/upload.png': 'x',
  'app.log': 'x',
  'wheelhouse/app-0.1-py3-none-any.whl': 'x',
  'wheelhouse-manifest.json': '{}',
  '.pypackage/lock': '{}',
  'docker/release/Dockerfile': 'FROM x\n',
  'docker/release/start.sh': 'exec "$@"\n',
}

// ---------------------------------------------------------------------------------------------
const Snapshot = suite('snapshotSources')
Snapshot.before.each(() => {
  tmp = writeTree(makeTemp('watch'), TREE)
})
Snapshot.after.each(() => removeTemp(tmp))

Snapshot("the wheels' inputs and the image folders' files, by path; never ignored files, the wheelhouse, .pypackage/", async () => {
  const snap = await snapshotSources(project())
  assert.equal(Object.keys(snap).sort(), ['.gitignore', 'app.py', 'docker/release/Dockerfile', 'docker/release/start.sh', 'requirements.txt', 'templates/index.html'])
})

Snapshot('a file whose content changes gets another hash; one only touched keeps it', async () => {
  const before = await snapshotSources(project())
  writeFileSync(path.join(tmp, 'app.py'), TREE['app.py'])
  writeFileSync(path.join(tmp, 'templates/index.html'), '<p>B</p>')
  assert.equal(changedFiles(before, await snapshotSources(project())), ['templates/index.html'])
})

Snapshot.run()

// ---------------------------------------------------------------------------------------------
const Changed = suite('changedFiles')

Changed('added, changed and removed files, sorted; the same snapshot: none', () => {
  const cases: [Record<string, string>, Record<string, string>, string[]][] = [
    [{ a: '1', b: '2' }, { a: '1', b: '2' }, []],
    [{ a: '1' }, { a: '2' }, ['a']],
    [{ b: '1' }, { a: '1', b: '1' }, ['a']],
    [{ a: '1', c: '1' }, { a: '1' }, ['c']],
    [{ z: '1', a: '1' }, { z: '2', a: '2' }, ['a', 'z']],
  ]
  for (const [before, after, want] of cases) assert.equal(changedFiles(before, after), want, `${JSON.stringify(before)} → ${JSON.stringify(after)}`)
})

Changed.run()

// ---------------------------------------------------------------------------------------------
const Folders = suite('watchedFolders')
Folders.before.each(() => {
  tmp = writeTree(makeTemp('watch'), TREE)
})
Folders.after.each(() => removeTemp(tmp))

Folders('the source folders and the image folders; not the wheelhouse or .pypackage/', async () => {
  const folders = (await watchedFolders(project())).map((f) => path.relative(tmp, f))
  assert.equal(folders, ['', 'docker', 'docker/release', 'media', 'templates'])
})

Folders.run()

// ---------------------------------------------------------------------------------------------
const Output = suite('toolOutput')
Output.before.each(() => {
  tmp = makeTemp('watch')
})
Output.after.each(() => removeTemp(tmp))

Output('the wheelhouse, its manifest and SBOM, .pypackage/: what a build writes; not the sources beside them', () => {
  const ignored = toolOutput(project())
  for (const [rel, want] of [
    ['wheelhouse', true],
    ['wheelhouse/app-0.1-py3-none-any.whl', true],
    ['wheelhouse-manifest.json', true],
    ['wheelhouse-sbom.cdx.json', true],
    ['.pypackage', true],
    ['app.py', false],
    ['wheelhouses.py', false],
    ['docker', false],
  ] as const) {
    assert.is(ignored(path.join(tmp, rel)), want, rel)
  }
})

Output.run()

// ---------------------------------------------------------------------------------------------
const Watcher = suite('folderWatcher')
Watcher.before.each(() => {
  tmp = writeTree(makeTemp('watch'), { 'a/x.py': '', 'b/y.py': '' })
})
Watcher.after.each(() => removeTemp(tmp))

Watcher('a burst of saves wakes it once, with the time of the first; editor noise does not wake it', async () => {
  const watcher = folderWatcher(100)
  const controller = new AbortController()
  try {
    watcher.sync([path.join(tmp, 'a'), path.join(tmp, 'b')])
    writeTree(tmp, { 'a/.x.py.swp': '', 'a/__pycache__': null })
    const before = Date.now()
    writeTree(tmp, { 'a/x.py': '1' })
    writeTree(tmp, { 'b/y.py': '1' })
    const at = await watcher.next(controller.signal)
    assert.ok(at >= before && at <= Date.now() - 100, `the first change's time, at least the debounce ago (${at - before} ms after the save)`)
    writeTree(tmp, { 'a/x.py': '2' })
    assert.ok((await watcher.next(controller.signal)) >= at, 'the next burst wakes it again')
  } finally {
    watcher.close()
  }
})

Watcher('a folder dropped from the list is no longer watched, an ignored path wakes nothing; an abort ends the wait', async () => {
  const watcher = folderWatcher(50, (abs) => abs === path.join(tmp, 'b', 'built.whl'))
  const controller = new AbortController()
  try {
    watcher.sync([path.join(tmp, 'a'), path.join(tmp, 'b')])
    watcher.sync([path.join(tmp, 'b')])
    writeTree(tmp, { 'a/x.py': 'changed', 'b/built.whl': 'x' })
    const waiting = watcher.next(controller.signal)
    setTimeout(() => controller.abort('SIGINT'), 300)
    await waiting.then(
      () => assert.unreachable('a change in a folder no longer watched woke it'),
      (e: Error) => assert.is(e.message, 'interrupted (SIGINT)'),
    )
  } finally {
    watcher.close()
  }
})

Watcher.run()
