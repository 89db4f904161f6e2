#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/start.mjs [args…]`: the same as `pypackage-tasks start [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('start', import.meta.url)
