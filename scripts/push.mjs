#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/push.mjs [args…]`: the same as `pypackage-tasks push [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('push', import.meta.url)
