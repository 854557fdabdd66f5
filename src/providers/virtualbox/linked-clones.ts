/**
 * Which VMs still build on a base. `unregistervm --delete` of a base with linked clones unregisters it
 * first and only then fails to delete its image (the clones' images are its children), leaving a
 * half-removed VM behind; so destroy() asks first. A linked clone's first image is a child of one of
 * the base's images but lives in the clone's own folder (`<clone>/Snapshots/{uuid}.vdi`), while the
 * base's own differencing images live in the base's folder.
 */
import { basename, dirname, sep } from 'node:path'
import type { HardDisk } from './lists.js'

function inside(folder: string, path: string): boolean {
  return path.startsWith(folder.endsWith(sep) ? folder : folder + sep)
}

/** Images of other VMs that derive from an image in `vmFolder`. */
export function cloneImagesOf(disks: readonly HardDisk[], vmFolder: string): HardDisk[] {
  const own = new Set(disks.filter((d) => inside(vmFolder, d.location)).map((d) => d.uuid))
  return disks.filter((d) => d.parent !== undefined && own.has(d.parent) && !inside(vmFolder, d.location))
}

/** The clone a differencing image belongs to: VirtualBox names each VM's folder after the VM. */
export function cloneNameOf(image: HardDisk): string {
  const folder = dirname(image.location)
  return basename(basename(folder) === 'Snapshots' ? dirname(folder) : folder)
}
