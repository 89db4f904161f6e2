import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { formatBytes, formatMs } from '../../../lib/render/format.js'

// lib/render/format.ts: durations and sizes, as every view words them.

const Ms = suite('formatMs')

const durations: [number, string][] = [
  [0, '0 ms'],
  [7, '7 ms'],
  [999, '999 ms'],
  [1000, '1.0 s'],
  [1049, '1.0 s'],
  [1050, '1.1 s'], // one decimal, rounded
  [20_600, '20.6 s'],
  [125_000, '125.0 s'], // no minutes: build times stay comparable at a glance
]
for (const [ms, want] of durations) Ms(`${ms} → ${want}`, () => assert.is(formatMs(ms), want))

Ms.run()

const Bytes = suite('formatBytes')

const sizes: [number, string][] = [
  [0, '0 MB'],
  [400_000, '0 MB'], // under half a megabyte rounds to 0: sizes are of images
  [500_001, '1 MB'],
  [242_000_000, '242 MB'],
  [999_999_999, '1000 MB'], // just under 1 GB stays in MB
  [1_000_000_000, '1.00 GB'],
  [1_234_567_890, '1.23 GB'],
]
for (const [n, want] of sizes) Bytes(`${n} → ${want}`, () => assert.is(formatBytes(n), want, 'decimal units (as docker images shows them)'))

Bytes.run()
