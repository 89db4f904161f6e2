#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/dev.mjs [args…]`: the same as `pypackage-tasks dev [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('dev', import.meta.url)
