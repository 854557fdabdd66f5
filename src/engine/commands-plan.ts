/**
 * `lab plan --commands`: the exact hypervisor commands `lab up` runs on a machine where nothing exists yet.
 * The provider's own code runs against a recording runner that answers like that fresh machine, so the
 * list cannot drift from what `lab up` does. Nothing is created, downloaded or written.
 */
import { join } from 'node:path'
import type { LoadedLab } from '../lab/load.js'
import type { ProviderName } from '../lab/schema.js'
import { vmName, baseName } from '../lab/naming.js'
import { macFor } from '../lab/resolve.js'
import { RecordingRunner } from '../providers/cli-runner.js'
import { createProvider, freshMachine } from '../providers/index.js'
import { isoCachePath } from '../media/iso-cache.js'
import { stateLayout } from '../state/layout.js'
import { BASE_SNAPSHOT } from './base.js'
import { CLEAN_SNAPSHOT, READY_SNAPSHOT } from './up.js'

export async function upCommands(loaded: LoadedLab, providerName: ProviderName): Promise<string[]> {
  const lab = loaded.lab
  const runner = new RecordingRunner(await freshMachine(providerName))
  const provider = await createProvider(providerName, { stateDir: loaded.stateDir, lab, runner })
  const media = stateLayout(loaded.stateDir).mediaDir
  await provider.detect()
  const network = await provider.ensureNetwork({ lab: lab.name, cidr: lab.network.cidr, prefix: lab.network.prefix, netmask: lab.network.netmask, hostIp: lab.network.hostIp })
  // The key of a real base depends on the lab's generated passwords; the plan shows the name's shape.
  const base = baseName(lab.os.id, 'xxxxxxxx')
  const iso = lab.os.isos[0]
  const largest = lab.nodes.reduce((a, n) => (n.memory > a.memory ? n : a), lab.nodes[0]!)
  await provider.createBase({
    name: base,
    os: lab.os,
    cpus: largest.cpus,
    memoryMiB: largest.memory,
    diskGiB: Math.max(...lab.nodes.map((n) => n.disk)),
    source: iso
      ? { kind: 'iso', installIso: isoCachePath(iso), oemdrvIso: join(media, `${base}-oemdrv.iso`) }
      : { kind: 'image', disk: join('<image cache>', `${lab.os.id}.qcow2`) },
    network,
    installTimeoutMs: 90 * 60_000,
  })
  await provider.snapshotTake(base, BASE_SNAPSHOT)
  for (const node of lab.nodes) {
    const vm = vmName(lab, node)
    await provider.cloneLinked({
      name: vm,
      base,
      baseSnapshot: BASE_SNAPSHOT,
      cpus: node.cpus,
      memoryMiB: node.memory,
      mac: macFor(lab, node, providerName),
      seedIso: join(media, `${node.name}-seed.iso`),
      network,
      forwards: node.forwards,
      initialSnapshot: CLEAN_SNAPSHOT,
    })
  }
  for (const node of lab.nodes) await provider.start(vmName(lab, node))
  for (const node of lab.nodes) await provider.snapshotTake(vmName(lab, node), READY_SNAPSHOT, { live: true })
  return runner.lines()
}
