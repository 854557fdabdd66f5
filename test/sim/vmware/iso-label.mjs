// The ISO9660 volume identifier: 32 space-padded bytes in the primary volume descriptor at
// sector 16 (offset 32768 + 40). Anaconda looks for a disc labelled OEMDRV to find a kickstart.

import fs from 'node:fs'

const VOLUME_ID_OFFSET = 32808
const VOLUME_ID_LENGTH = 32

/** The volume label of an ISO image, or undefined when the file is missing or too short. */
export function isoVolumeLabel(file) {
  let fd
  try {
    fd = fs.openSync(file, 'r')
  } catch {
    return undefined
  }
  try {
    const buf = Buffer.alloc(VOLUME_ID_LENGTH)
    const got = fs.readSync(fd, buf, 0, VOLUME_ID_LENGTH, VOLUME_ID_OFFSET)
    if (got < VOLUME_ID_LENGTH) return undefined
    return buf.toString('latin1').replace(/[ \0]+$/, '')
  } finally {
    fs.closeSync(fd)
  }
}
