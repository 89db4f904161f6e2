#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/image.mjs [args…]`: the same as `pypackage-tasks image [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('image', import.meta.url)
