/** What QEMU can do, for the code that asks before (or without) loading the provider. */
import { join } from 'node:path'
import type { Capabilities } from '../provider.js'
import { qemuArches } from './arch-support.js'
import { checkCloudImage } from './cloud-image-file.js'

export const QEMU_CAPABILITIES: Capabilities = {
  title: 'QEMU',
  // Debian is built with debootstrap (`lab image build`) and booted from its kernel: no installer runs.
  guests: { el7: 'kickstart', el8: 'kickstart', el9: 'kickstart', el10: 'kickstart', debian: 'image' },
  guestArches: qemuArches,
  cloudImages: { check: checkCloudImage, plannedCopy: join('<image cache>', 'cloud-<sha256>', 'cloud.qcow2') },
  plannedImage: (os) => join('<image cache>', `${os}.qcow2`),
  // QMP's loadvm restores a running VM, memory included; virtio-balloon's free-page reporting hands freed pages back.
  liveRestore: true,
  reclaimsFreedMemory: true,
  // The locally administered range QEMU itself uses for guests.
  macs: { oui: [0x52, 0x54, 0x00], fourthMax: 0xff },
}
