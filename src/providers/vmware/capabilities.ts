/** What VMware can do, for the code that asks before (or without) loading the provider. */
import type { Capabilities } from '../provider.js'
import { vmwareArches } from './arch-support.js'

export const VMWARE_CAPABILITIES: Capabilities = {
  title: 'VMware',
  guests: { el7: 'kickstart', el8: 'kickstart', el9: 'kickstart', el10: 'kickstart' },
  guestArches: vmwareArches,
  // A snapshot of a powered-on VM holds its memory: revertToSnapshot leaves the VM suspended, and
  // `vmrun start` resumes it without a boot.
  liveRestore: true,
  reclaimsFreedMemory: false,
  // A static `ethernet0.address` must lie in 00:50:56:00:00:00-3F:FF:FF; VMware refuses the VM otherwise.
  macs: { oui: [0x00, 0x50, 0x56], fourthMax: 0x3f, enforced: 'the static range VMware accepts' },
}
