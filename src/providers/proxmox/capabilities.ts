/** What the Proxmox VE provider can do, for the code that asks before (or without) loading it. */
import type { Capabilities } from '../provider.js'

export const PROXMOX_CAPABILITIES: Capabilities = {
  title: 'Proxmox VE',
  // The base is installed from its ISO with the kickstart disc, both uploaded to the ISO storage.
  guests: { el7: 'kickstart', el8: 'kickstart', el9: 'kickstart', el10: 'kickstart' },
  // Proxmox VE is built for x86-64 hosts only, and its VMs are x86-64 PCs.
  guestArches: () => ({
    x86_64: { runs: true },
    aarch64: { runs: false, why: 'Proxmox VE runs x86-64 VMs only', fix: 'use provider: qemu for aarch64 guests, or arch: x86_64' },
  }),
  // A snapshot with vmstate=1 keeps the memory, and a rollback to it leaves the VM running.
  liveRestore: true,
  reclaimsFreedMemory: false,
  // QEMU's locally administered range, which PVE itself draws from (BC:24:11 is its own OUI for random MACs).
  macs: { oui: [0x52, 0x54, 0x00], fourthMax: 0xff },
  // A class host is a cluster node (the cluster is the lab file's proxmox.url): the instances placed there go to it.
  connection: {
    example: 'pve2',
    problem: (v) => (/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(v) ? undefined : 'a Proxmox VE connection is the name of a cluster node, e.g. pve2 (pvecm nodes)'),
  },
}
