#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/init.mjs [args…]`: the same as `pypackage-tasks init [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('init', import.meta.url)
