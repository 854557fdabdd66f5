/**
 * Copies a ready VMware disk into a VM folder. A .vmdk is either one self-contained sparse file (it starts
 * with the `KDMV` magic) or a text descriptor whose extents are files beside it; both travel whole.
 */
import { copyFileSync, closeSync, openSync, readFileSync, readSync } from 'node:fs'
import { basename, dirname, isAbsolute, join } from 'node:path'
import { InputError } from '../../util/errors.js'

function head(file: string, bytes: number): Buffer {
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.alloc(bytes)
    return buf.subarray(0, readSync(fd, buf, 0, bytes, 0))
  } finally {
    closeSync(fd)
  }
}

/** Extent files a text descriptor names: `RW 4192256 SPARSE "disk-s001.vmdk"`. */
export function descriptorExtents(descriptor: string): string[] {
  return [...descriptor.matchAll(/^(?:RW|RDONLY|NOACCESS)\s+\d+\s+\w+\s+"([^"]+)"/gm)].map((m) => m[1]!)
}

/** Copies `source` to `dest` (a .vmdk path) with the extent files it needs; returns nothing, throws InputError. */
export function copyVmdk(source: string, dest: string): void {
  if (!source.toLowerCase().endsWith('.vmdk')) {
    throw new InputError(
      `VMware needs a .vmdk disk image, got ${source}`,
      `convert it first: qemu-img convert -O vmdk ${JSON.stringify(source)} ${JSON.stringify(source.replace(/\.[^./\\]*$/, '') + '.vmdk')}`,
    )
  }
  let magic: Buffer
  try {
    magic = head(source, 4)
  } catch {
    throw new InputError(`disk image ${source} cannot be read`, 'check the path of the base image')
  }
  if (magic.toString('latin1') === 'KDMV') {
    copyFileSync(source, dest)
    return
  }
  const descriptor = readFileSync(source, 'utf8')
  if (!descriptor.startsWith('# Disk DescriptorFile')) {
    throw new InputError(`${source} is not a VMware virtual disk`, 'use a .vmdk made by VMware or by qemu-img convert -O vmdk')
  }
  for (const extent of descriptorExtents(descriptor)) {
    if (isAbsolute(extent)) continue
    copyFileSync(join(dirname(source), extent), join(dirname(dest), basename(extent)))
  }
  copyFileSync(source, dest)
}
