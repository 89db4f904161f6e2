import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Project } from '../../../lib/project.js'
import { makeStaging, removeStaging, replaceDir } from '../../../lib/pipeline/staging.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// ---------------------------------------------------------------------------------------------
const Staging = suite('makeStaging / removeStaging')

let root: string
Staging.before.each(() => {
  root = makeTemp('staging')
})
Staging.after.each(() => removeTemp(root))

Staging('a folder per run under .pypackage/, gone with .pypackage/ when nothing else is there', async () => {
  const dir = await makeStaging({ root } as Project, 'wheels', 'r1')
  assert.is(dir, path.join(root, '.pypackage', 'wheels-r1'), 'the folder should be named for the work and the run')
  assert.ok(existsSync(dir), 'the folder should exist')
  await removeStaging(dir)
  assert.not.ok(existsSync(path.join(root, '.pypackage')), 'an empty .pypackage/ should be removed too')
})

Staging("another run's folder keeps .pypackage/", async () => {
  const mine = await makeStaging({ root } as Project, 'wheels', 'r1')
  const theirs = await makeStaging({ root } as Project, 'wheels', 'r2')
  await removeStaging(mine)
  assert.not.ok(existsSync(mine), "this run's folder should be gone")
  assert.ok(existsSync(theirs), "the other run's folder should stay")
})

Staging.run()

// ---------------------------------------------------------------------------------------------
const ReplaceDir = suite('replaceDir')

let dirs: string
ReplaceDir.before.each(() => {
  dirs = makeTemp('replace-dir')
})
ReplaceDir.after.each(() => removeTemp(dirs))

ReplaceDir('a new target: next moves there (parents made)', async () => {
  const next = writeTree(path.join(dirs, 'next'), { 'a.whl': 'new' })
  const target = path.join(dirs, 'out', 'wheelhouse')
  await replaceDir(target, next, path.join(dirs, 'aside'))
  assert.is(readFileSync(path.join(target, 'a.whl'), 'utf8'), 'new', 'the target should hold the new files')
  assert.not.ok(existsSync(next), 'next should have been moved, not copied')
})

ReplaceDir('an existing target: replaced whole, the old folder deleted', async () => {
  const target = writeTree(path.join(dirs, 'wheelhouse'), { 'old.whl': 'old' })
  const next = writeTree(path.join(dirs, 'next'), { 'a.whl': 'new' })
  const aside = path.join(dirs, 'aside')
  await replaceDir(target, next, aside)
  assert.not.ok(existsSync(path.join(target, 'old.whl')), 'nothing of the old folder should stay in the target')
  assert.is(readFileSync(path.join(target, 'a.whl'), 'utf8'), 'new', 'the target should hold the new files')
  assert.not.ok(existsSync(aside), 'the old folder should be deleted')
})

ReplaceDir('a failed move puts the old folder back', async () => {
  const target = writeTree(path.join(dirs, 'wheelhouse'), { 'old.whl': 'old' })
  await replaceDir(target, path.join(dirs, 'missing'), path.join(dirs, 'aside')).then(
    () => assert.unreachable('a missing next folder should fail'),
    (e: NodeJS.ErrnoException) => assert.is(e.code, 'ENOENT', 'the rename error should surface'),
  )
  assert.is(readFileSync(path.join(target, 'old.whl'), 'utf8'), 'old', 'the old folder should be back in place')
})

ReplaceDir.run()
