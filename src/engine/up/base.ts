/**
 * `lab up`, step 2: the base the nodes are cloned from, reused when its inputs are unchanged. An EL base from
 * an ISO needs the install medium first (given, cached or downloaded), looked for only when the base must be built.
 */
import type { ProviderName } from '../../lab/schema.js'
import { ensureBase, installMedium, planBase, type InstallMedium } from '../base.js'
import { bakedPackages } from '../bake.js'
import { cloudImageRef } from '../cloud-image.js'
import type { LabCredentials } from '../credentials.js'
import { journaled } from '../journaled.js'
import type { LabContext } from '../lab-context.js'
import { BASE_SNAPSHOT } from '../vm-specs.js'
import type { LabNetwork } from './network.js'

export interface LabBase {
  name: string
  outcome: 'reused' | 'built'
}

export async function baseStep(ctx: LabContext, network: LabNetwork, creds: LabCredentials, iso: string | undefined, mirror?: string): Promise<LabBase> {
  const { loaded, provider, state, report } = ctx
  const lab = loaded.lab
  const providerName = provider.name as ProviderName
  const packages = await bakedPackages(lab)
  const image = lab.install.image !== undefined ? await cloudImageRef(lab.install.image, loaded.stateDir) : undefined
  const planned = planBase(loaded, providerName, creds, packages, undefined, image)
  const needsMedium = lab.os.family !== 'debian' && image === undefined && !(await baseReady(ctx, planned.name))
  const medium: InstallMedium | undefined = needsMedium ? await installMedium(loaded, iso, report, ctx.stderr, mirror) : undefined
  const plan = medium ? planBase(loaded, providerName, creds, packages, medium) : planned
  const outcome = await journaled(ctx, { step: 'base', stage: `base image ${plan.name}`, data: { vm: plan.name }, done: (o) => ({ vm: plan.name, outcome: o }) }, async () => {
    const o = await ensureBase({ loaded, provider, plan, network, packages, ...(medium ? { medium } : {}), report })
    state.base = { name: plan.name, key: plan.key, snapshot: BASE_SNAPSHOT }
    await ctx.saveState()
    return o
  })
  return { name: plan.name, outcome }
}

async function baseReady(ctx: LabContext, name: string): Promise<boolean> {
  return (await ctx.provider.state(name)) !== 'missing' && (await ctx.provider.snapshotList(name)).includes(BASE_SNAPSHOT)
}
