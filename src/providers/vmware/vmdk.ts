/**
 * Which disk a VMware disk hangs from. A linked clone's disk is a delta whose descriptor names its parent
 * (`parentFileNameHint="…"`), a disk in the base VM's folder; the descriptor is either the whole .vmdk (split
 * and flat disks) or text embedded near the start of a monolithic sparse file, so the first 64 KiB hold it.
 */
import { closeSync, openSync, readSync } from 'node:fs'

const DESCRIPTOR_WINDOW = 64 * 1024

/** The parent named in a disk descriptor's text, or undefined for a disk of its own. */
export function parentFileNameHint(descriptor: string): string | undefined {
  return /^parentFileNameHint\s*=\s*"([^"]*)"/m.exec(descriptor)?.[1] || undefined
}

export function readDiskParent(file: string): string | undefined {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return undefined
  }
  try {
    const buf = Buffer.alloc(DESCRIPTOR_WINDOW)
    const got = readSync(fd, buf, 0, buf.length, 0)
    return parentFileNameHint(buf.subarray(0, got).toString('utf8'))
  } finally {
    closeSync(fd)
  }
}
