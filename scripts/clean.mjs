#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/clean.mjs [args…]`: the same as `pypackage-tasks clean [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('clean', import.meta.url)
