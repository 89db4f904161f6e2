#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/stop.mjs [args…]`: the same as `pypackage-tasks stop [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('stop', import.meta.url)
