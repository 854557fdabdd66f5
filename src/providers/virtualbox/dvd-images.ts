/**
 * DVD images the lab attached (install ISO, OEMDRV kickstart disc, seed discs). VirtualBox registers an
 * image when it is first attached and can keep it registered after it is detached and after the VM that
 * used it is deleted (`unregistervm --delete` deletes hard disks only), so every destroy would leave
 * registrations pointing at deleted files in `VBoxManage list dvds` and the GUI's media manager. The lab
 * closes them itself.
 */
import type { VBoxDriver } from './driver.js'
import { VBoxError } from './vbox-error.js'

/** The attached media of a VM, as showvminfo's storage keys name them (empty drives left out). */
export function attachedMedia(storage: ReadonlyMap<string, string>): string[] {
  return [...storage.values()].filter((v) => v !== 'none' && v !== 'emptydrive')
}

/**
 * Closes the registered DVD images at these locations; other locations (hard disks, unregistered files)
 * are left alone. An image another VM still uses (an install ISO shared by a base being built for another
 * lab) stays: VirtualBox refuses to close it, and that VM's own lab closes it when done.
 */
export async function closeDvdImages(driver: VBoxDriver, locations: readonly string[]): Promise<void> {
  if (locations.length === 0) return
  const wanted = new Set(locations)
  for (const image of (await driver.listDvds()).filter((d) => wanted.has(d.location))) {
    try {
      await driver.closeDvd(image.uuid)
    } catch (error) {
      if (!(error instanceof VBoxError && (error.codeName === 'VBOX_E_OBJECT_IN_USE' || error.notFound))) throw error
    }
  }
}
