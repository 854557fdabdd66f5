/** `lab up`, step 3 for each node: its linked clone of the base, with the seed disc that gives it its identity. */
import type { ProviderName } from '../../lab/schema.js'
import { macFor, type ResolvedNode } from '../../lab/resolve.js'
import type { LabCredentials } from '../credentials.js'
import { task } from '../events.js'
import { journaled } from '../journaled.js'
import type { LabContext } from '../lab-context.js'
import { ensureHostKeys, identityFor, writeNodeSeed } from '../node-identity.js'
import { CLEAN_SNAPSHOT, cloneSpec } from '../vm-specs.js'
import type { LabNetwork } from './network.js'

/**
 * A stock cloud image has only cloud-init to configure its NICs, which needs both matched by MAC; the vmlab
 * images' identity agent does not, and their seeds stay as they were.
 */
function cloudInitNatMac(ctx: LabContext, labMac: string): string | undefined {
  return ctx.loaded.lab.install.image !== undefined ? ctx.provider.uplinkMac?.(labMac) : undefined
}

/** Clones the node unless it exists complete (true: cloned now); a clone without its first snapshot was interrupted: made again. */
export async function cloneNode(ctx: LabContext, node: ResolvedNode, vm: string, base: string, network: LabNetwork, creds: LabCredentials): Promise<boolean> {
  const { provider, loaded, state, report } = ctx
  const lab = loaded.lab
  const providerName = provider.name as ProviderName
  const mac = macFor(lab, node, providerName)
  state.nodes[node.name] = { ...(state.nodes[node.name] ?? { modules: {} }), vm, mac, ip: node.ip }
  if ((await provider.state(vm)) !== 'missing') {
    if ((await provider.snapshotList(vm)).includes(CLEAN_SNAPSHOT)) return false
    report({ type: 'info', message: `${node.name}: removing a clone left unfinished by an interrupted run` })
    await provider.stop(vm, { force: true })
    await provider.destroy(vm)
  }
  return task(report, 'nodes', node.name, 'linked clone', () =>
    journaled(ctx, { step: `clone:${node.name}`, data: { vm }, done: () => ({ vm }) }, async () => {
      const hostKeys = await ensureHostKeys(loaded.stateDir, node)
      const id = identityFor(lab, node, providerName, creds, hostKeys, cloudInitNatMac(ctx, mac))
      const seedIso = await writeNodeSeed(loaded.stateDir, id, node.name)
      await provider.cloneLinked(cloneSpec(lab, node, providerName, base, network, seedIso))
      return true
    }),
  )
}
