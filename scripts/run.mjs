#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/run.mjs [args…]`: the same as `pypackage-tasks run [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('run', import.meta.url)
