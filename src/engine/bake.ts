/** Packages the lab's modules want in the base image, installed once there instead of on every clone. */
import type { ResolvedLab } from '../lab/resolve.js'
import { loadModule } from '../modules/index.js'
import type { Family } from '../modules/module.js'

export async function bakedPackages(lab: ResolvedLab): Promise<string[]> {
  const family = lab.os.family as Family
  const out = new Set<string>()
  for (const step of lab.modules) {
    const mod = await loadModule(step.module)
    for (const p of mod.bake?.(family, step.options) ?? []) out.add(p)
  }
  return [...out].sort()
}
