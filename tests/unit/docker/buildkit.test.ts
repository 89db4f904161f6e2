import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { stepName } from '../../../lib/docker/buildkit.js'

const StepName = suite('stepName')

const cases: { vertex: string; want: string | undefined }[] = [
  { vertex: '[2/4] RUN x', want: 'Step 2/4 : RUN x' },
  { vertex: '[base 2/4] RUN x', want: 'Step 2/4 : RUN x (stage base)' },
  // A Dockerfile of ten steps or more: BuildKit pads the number to the count's width.
  { vertex: '[ 4/10] COPY sbom.py /', want: 'Step 4/10 : COPY sbom.py /' },
  { vertex: '[10/10] RUN y', want: 'Step 10/10 : RUN y' },
  { vertex: '[base  4/10] RUN x', want: 'Step 4/10 : RUN x (stage base)' },
  { vertex: '[internal] load build definition from Dockerfile', want: undefined },
  { vertex: 'copy /context /', want: undefined },
]
for (const c of cases) {
  StepName(`${JSON.stringify(c.vertex)} → ${JSON.stringify(c.want)}`, () => {
    assert.is(stepName(c.vertex), c.want)
  })
}

StepName.run()
