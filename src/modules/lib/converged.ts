/**
 * verify() for modules whose probe sees everything they change: after an apply, probe again and expect an
 * empty plan. Nothing to do when nothing was applied, since the probe that planned nothing just said so.
 */
import type { Applied, Module, ModuleContext } from '../module.js'
import { LabError } from '../../util/errors.js'

export async function expectConverged<O, P, K extends string>(mod: Module<O, P, K>, ctx: ModuleContext<O>, { applied }: Applied<K>): Promise<void> {
  if (applied.length === 0) return
  const left = mod.plan(ctx, await mod.probe(ctx))
  if (left.length === 0) return
  throw new LabError(`${ctx.node.name}: ${mod.name} is not in the wanted state after applying its changes; still to do: ${left.map((c) => c.what).join('; ')}`, {
    hint: 'something on the node undoes the change or refused it; run the step again with --check to see the difference',
  })
}
