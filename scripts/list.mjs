#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/list.mjs [args…]`: the same as `pypackage-tasks list [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('list', import.meta.url)
