#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/test.mjs [args…]`: the same as `pypackage-tasks test [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('test', import.meta.url)
