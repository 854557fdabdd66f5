/** What VirtualBox can do, for the code that asks before (or without) loading the provider. */
import type { Capabilities } from '../provider.js'
import { virtualboxArches } from './arch-support.js'

export const VIRTUALBOX_CAPABILITIES: Capabilities = {
  title: 'VirtualBox',
  guests: { el7: 'kickstart', el8: 'kickstart', el9: 'kickstart', el10: 'kickstart' },
  guestArches: virtualboxArches,
  // A snapshot taken while the VM ran keeps its memory: restored (after a power-off) it leaves the VM `saved`,
  // and startvm resumes it in about a second, without a boot.
  liveRestore: true,
  reclaimsFreedMemory: false,
  // Oracle's own OUI, the one VirtualBox gives NICs itself; it accepts any unicast MAC.
  macs: { oui: [0x08, 0x00, 0x27], fourthMax: 0xff },
}
