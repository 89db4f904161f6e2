#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/release.mjs [args…]`: the same as `pypackage-tasks release [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('release', import.meta.url)
