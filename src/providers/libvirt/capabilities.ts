/** What vmlab's libvirt provider can do, for the code that asks before (or without) loading it. */
import type { Capabilities } from '../provider.js'
import { QEMU_CAPABILITIES } from '../qemu/capabilities.js'
import { uriProblem } from './settings.js'

export const LIBVIRT_CAPABILITIES: Capabilities = {
  title: 'libvirt',
  // The same guests as QEMU (libvirt runs QEMU): EL from its ISO with a kickstart, Debian as the image vmlab builds.
  guests: { el7: 'kickstart', el8: 'kickstart', el9: 'kickstart', el10: 'kickstart', debian: 'image' },
  // The domain XML written here is an x86-64 PC's (q35-less pc, IDE CD-ROM, BIOS); the host may be another machine.
  guestArches: () => ({
    x86_64: { runs: true },
    aarch64: { runs: false, why: 'the libvirt provider writes x86-64 domains only so far', fix: 'use provider: qemu for aarch64 guests, or arch: x86_64' },
  }),
  // The image is built where `lab` runs and uploaded to the host's pool.
  ...(QEMU_CAPABILITIES.plannedImage ? { plannedImage: QEMU_CAPABILITIES.plannedImage } : {}),
  // snapshot-revert of a snapshot taken running puts the domain back running, memory included (qcow2 internal snapshots).
  liveRestore: true,
  // The balloon is there, but free-page reporting is not switched on in the domain XML yet.
  reclaimsFreedMemory: false,
  hostBlock: 'libvirt',
  // One NIC per node, on the lab's NAT network: libvirt's dnsmasq answers DNS on the host's address.
  labNetworkIsUplink: true,
  macs: { oui: [0x52, 0x54, 0x00], fourthMax: 0xff },
  // A class host is a libvirt URI: it replaces the lab file's libvirt.uri for the instances placed there.
  connection: { example: 'qemu+ssh://lab@srv1/system', problem: uriProblem },
}
