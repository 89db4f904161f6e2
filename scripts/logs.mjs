#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/logs.mjs [args…]`: the same as `pypackage-tasks logs [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('logs', import.meta.url)
