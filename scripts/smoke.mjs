#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/smoke.mjs [args…]`: the same as `pypackage-tasks smoke [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('smoke', import.meta.url)
