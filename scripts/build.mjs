#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/build.mjs [args…]`: the same as `pypackage-tasks build [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('build', import.meta.url)
