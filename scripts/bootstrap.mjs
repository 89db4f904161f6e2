#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/bootstrap.mjs [args…]`: the same as `pypackage-tasks bootstrap [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('bootstrap', import.meta.url)
