// The media registry (hard disks and DVD images) and the files behind it. Disk images are
// small placeholder files at the real paths, so tests can check that nothing is left on disk;
// differencing images (snapshots, linked clones) are children of their parent image.
import fs from 'node:fs'
import path from 'node:path'
import { randomUUID } from 'node:crypto'

/** The volume label of an ISO 9660 image (primary volume descriptor, offset 32808), or null. */
export function isoLabel(file) {
  let fd
  try {
    fd = fs.openSync(file, 'r')
    const buf = Buffer.alloc(72)
    if (fs.readSync(fd, buf, 0, 72, 32768) < 72) return null
    if (buf.toString('latin1', 1, 6) !== 'CD001') return null
    return buf.toString('latin1', 40, 72).replace(/[ \0]+$/, '')
  } catch {
    return null
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

function writePlaceholder(location, medium) {
  fs.mkdirSync(path.dirname(location), { recursive: true })
  fs.writeFileSync(location, `VBoxManage simulator placeholder: ${medium.format} image {${medium.uuid}}\n`, { flag: 'wx' })
}

export function findMedium(state, ref, deviceType) {
  const byId = ref.replace(/^\{|\}$/g, '').toLowerCase()
  const location = path.resolve(ref)
  return state.media.find((m) => (!deviceType || m.deviceType === deviceType) && (m.uuid === byId || m.location === location))
}

export function mediumById(state, uuid) {
  return state.media.find((m) => m.uuid === uuid)
}

export function childrenOf(state, uuid) {
  return state.media.filter((m) => m.parent === uuid)
}

/** The medium and its ancestors up to the base image. */
export function chainOf(state, uuid) {
  const chain = []
  for (let m = mediumById(state, uuid); m; m = m.parent ? mediumById(state, m.parent) : undefined) chain.push(m)
  return chain
}

/** A guest OS was installed on this image or on one it derives from. */
export function hasInstalledOs(state, uuid) {
  return chainOf(state, uuid).some((m) => m.installed)
}

/** New base hard disk image file (createmedium). */
export function createBaseDisk(state, { location, format, variant, sizeMB }) {
  const medium = {
    uuid: randomUUID(),
    deviceType: 'HardDisk',
    location,
    format,
    variant,
    sizeMB,
    parent: null,
    installed: false,
  }
  writePlaceholder(location, medium)
  state.media.push(medium)
  return medium
}

/** A differencing image "{uuid}.vdi" in `folder` on top of `parentUuid` (snapshots, linked clones). */
export function createDiff(state, parentUuid, folder) {
  const parent = mediumById(state, parentUuid)
  const uuid = randomUUID()
  const medium = {
    uuid,
    deviceType: 'HardDisk',
    location: path.join(folder, `{${uuid}}.vdi`),
    format: parent.format,
    variant: 'Standard',
    sizeMB: parent.sizeMB,
    parent: parentUuid,
    installed: false,
  }
  writePlaceholder(medium.location, medium)
  state.media.push(medium)
  return medium
}

/** A full copy of an image chain into one new base image (full clones). */
export function copyDisk(state, sourceUuid, location) {
  const source = mediumById(state, sourceUuid)
  const medium = createBaseDisk(state, { location, format: source.format, variant: 'Standard', sizeMB: source.sizeMB })
  medium.installed = hasInstalledOs(state, sourceUuid)
  return medium
}

/** Registers an existing image file (a DVD image or a disk file opened by path). */
export function openImage(state, location, deviceType) {
  const medium = {
    uuid: randomUUID(),
    deviceType,
    location,
    format: deviceType === 'DVD' ? 'RAW' : 'VDI',
    variant: 'Standard',
    sizeMB: Math.max(1, Math.round(fs.statSync(location).size / 1048576)),
    parent: null,
    installed: false,
  }
  state.media.push(medium)
  return medium
}

export function forgetMedium(state, uuid) {
  state.media = state.media.filter((m) => m.uuid !== uuid)
}

export function deleteMediumStorage(state, uuid) {
  const medium = mediumById(state, uuid)
  fs.rmSync(medium.location, { force: true })
  forgetMedium(state, uuid)
}
