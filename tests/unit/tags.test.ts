import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { pythonSuffix, releaseTags, versionTag } from '../../lib/tags.js'

// lib/tags.ts with a Python: the default's tags as they always were, another's with its suffix.
// (versionTag without a Python: git.test.ts; releaseTags without one: credentials.test.ts.)

const HASH = 'abcdef0123456789'.repeat(4)

// ---------------------------------------------------------------------------------------------
const PythonSuffix = suite('pythonSuffix')

PythonSuffix('none for the default Python or an image without one; -py<version> for another', () => {
  assert.is(pythonSuffix('3.11'), '', 'the default: no suffix')
  assert.is(pythonSuffix(undefined), '', 'an image that is not the Python chain (the database): no suffix')
  assert.is(pythonSuffix('3.13'), '-py3.13')
  assert.is(pythonSuffix('3.12'), '-py3.12')
})

PythonSuffix.run()

// ---------------------------------------------------------------------------------------------
const VersionTag = suite('versionTag with a Python')

VersionTag('the commit, -dirty, or the content tag, then the suffix: two Pythons never share a tag', () => {
  assert.is(versionTag({ sha: 'abc1234', dirty: false }, HASH, '3.11'), 'abc1234', "the default's tag is today's")
  assert.is(versionTag({ sha: 'abc1234', dirty: false }, HASH, '3.13'), 'abc1234-py3.13')
  assert.is(versionTag({ sha: 'abc1234', dirty: true }, HASH, '3.13'), 'abc1234-dirty-py3.13', 'trying 3.13 in a dirty tree keeps 3.11 at abc1234-dirty')
  assert.is(versionTag(undefined, HASH, '3.13'), `c${HASH.slice(0, 12)}-py3.13`)
})

VersionTag.run()

// ---------------------------------------------------------------------------------------------
const ReleaseTags = suite('releaseTags with a Python')

ReleaseTags('the commit tag carries the suffix (as the version tag does); branch and extra tags do not: like latest, they name the newest release', () => {
  assert.equal(releaseTags({ sha: 'abc1234', dirty: false }, 'main', ['v1'], '3.13'), ['abc1234-py3.13', 'main', 'v1'])
  assert.equal(releaseTags({ sha: 'abc1234', dirty: false }, 'main', ['v1'], '3.11'), ['abc1234', 'main', 'v1'])
  assert.equal(releaseTags(undefined, undefined, ['v1'], '3.13'), ['v1'], 'no git, no commit tag')
})

ReleaseTags.run()
