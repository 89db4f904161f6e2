#!/usr/bin/env -S npx --no-install zx
// `npx zx scripts/manage.mjs [args…]`: the same as `pypackage-tasks manage [args…]`; the logic lives in lib/.
import { runScript } from '../dist/lib/index.js'

await runScript('manage', import.meta.url)
