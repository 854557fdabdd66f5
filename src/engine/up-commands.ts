/**
 * `lab plan --commands`: the exact hypervisor commands `lab up` runs on a machine where nothing exists yet.
 * The provider's own code runs against a recording runner that answers like that fresh machine, so the
 * list cannot drift from what `lab up` does. Nothing is created, downloaded or written.
 */
import { labKey } from '../lab/instance.js'
import { join } from 'node:path'
import type { LoadedLab } from '../lab/load.js'
import type { ProviderName } from '../lab/schema.js'
import { vmName, baseName } from '../lab/vm-names.js'
import { RecordingRunner } from '../providers/cli-runner.js'
import { createProvider, freshMachine } from '../providers/index.js'
import { plannedDisks } from '../providers/capabilities.js'
import { isoCachePath } from '../media/iso-cache.js'
import { stateLayout } from '../state/layout.js'
import { BASE_SNAPSHOT, baseSpec, cloneSpec } from './vm-specs.js'
import { READY_SNAPSHOT } from './up.js'
import type { BaseSource, Provider } from '../providers/provider.js'
import type { ResolvedLab } from '../lab/resolve.js'

export async function upCommands(loaded: LoadedLab, providerName: ProviderName): Promise<string[]> {
  const lab = loaded.lab
  const runner = new RecordingRunner(await freshMachine(providerName))
  const provider = await createProvider(providerName, { stateDir: loaded.stateDir, lab, runner })
  const media = stateLayout(loaded.stateDir).mediaDir
  await provider.detect()
  const network = await provider.ensureNetwork({ lab: labKey(lab), cidr: lab.network.cidr, prefix: lab.network.prefix, netmask: lab.network.netmask, hostIp: lab.network.hostIp })
  // The key of a real base depends on the lab's generated passwords; the plan shows the name's shape.
  const base = baseName(lab.os.id, 'xxxxxxxx')
  const iso = lab.os.isos[0]
  const disks = plannedDisks(providerName)
  const source: BaseSource =
    lab.install.image !== undefined
      ? {
          // The plan hashes nothing: the copy's name is shown, the base seed's contents do not change a command.
          kind: 'cloud-image',
          image: disks.cloudImage,
          sha256: '',
          seed: { instanceId: 'vmlab-base', packages: [], rootPasswordHash: '', user: { name: lab.install.user.name, passwordHash: '', sudo: lab.install.user.sudo } },
        }
      : iso
        ? { kind: 'iso', installIso: isoCachePath(iso), oemdrvIso: join(media, `${base}-oemdrv.iso`) }
        : { kind: 'image', disk: disks.image(lab.os.id) }
  await provider.createBase(baseSpec(lab, base, source, network))
  await provider.snapshotTake(base, BASE_SNAPSHOT)
  for (const node of lab.nodes) await provider.cloneLinked(cloneSpec(lab, node, providerName, base, network, join(media, `${node.name}-seed.iso`)))
  for (const node of lab.nodes) await provider.start(vmName(lab, node))
  await readySnapshotCommands(
    provider,
    lab.nodes.map((n) => vmName(lab, n)),
    lab.snapshots,
  )
  return runner.lines()
}

/** What takeLabSnapshot runs, in its order, for VMs the plan has just started (the plan has no states to look at). */
async function readySnapshotCommands(provider: Provider, vms: string[], mode: ResolvedLab['snapshots']): Promise<void> {
  if (mode === 'cold') {
    for (const vm of vms) await provider.stop(vm)
    for (const vm of vms) await provider.snapshotTake(vm, READY_SNAPSHOT)
    for (const vm of vms) await provider.start(vm)
    return
  }
  const together = provider.pause !== undefined && provider.resume !== undefined
  if (together) for (const vm of vms) await provider.pause!(vm)
  for (const vm of vms) await provider.snapshotTake(vm, READY_SNAPSHOT, { live: true })
  if (together) for (const vm of vms) await provider.resume!(vm)
}
