#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/tag.mjs [args…]`: the same as `pypackage-tasks tag [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('tag', import.meta.url)
