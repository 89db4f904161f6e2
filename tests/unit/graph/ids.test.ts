import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { PREWARM, WHEELS, imageNodeId, imageOf } from '../../../lib/graph/ids.js'

// lib/graph/ids.ts: node ids are a contract (--json, --metadata-file): made and read only there.

const Ids = suite('node ids')

Ids('the fixed ids: what --json consumers see', () => {
  assert.is(WHEELS, 'wheels')
  assert.is(PREWARM, 'prewarm')
})

Ids('imageNodeId: image:<name>', () => {
  assert.is(imageNodeId('base'), 'image:base')
  assert.is(imageNodeId('release'), 'image:release')
})

Ids('imageOf reads back what imageNodeId made, for every name', () => {
  for (const name of ['base', 'builder', 'release', 'postgres', 'web-2', 'a:b', '']) {
    assert.is(imageOf(imageNodeId(name)), name, `round trip of ${JSON.stringify(name)}`)
  }
})

Ids('imageOf: undefined for a node that builds no image', () => {
  for (const id of [WHEELS, PREWARM, 'images:base', 'Image:base', 'base', 'wheels-image:x', '']) assert.is(imageOf(id), undefined, `${JSON.stringify(id)} builds no image`)
})

Ids.run()
