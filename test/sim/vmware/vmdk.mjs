// Virtual disks as VMware writes them: a text descriptor (stand-alone, or embedded in sector 1
// of a monolithic sparse file) listing extents, plus the extent files. Sparse extents get a
// real hosted-sparse header and empty grain directories, so qemu-img could open them; flat
// extents are sparse files of the full size. Delta (snapshot / linked clone) disks name their
// parent in parentFileNameHint, which is how a chain of disks hangs together.

import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

const SECTOR = 512
/** VMware splits "2 GB" disks into extents of 2047 MB. */
const SPLIT_SECTORS = 4192256
const GRAIN = 128
const GTES_PER_GT = 512
const EMBEDDED_DESCRIPTOR_SECTORS = 20
const MAGIC = 0x564d444b // "KDMV"
const NO_PARENT_CID = 'ffffffff'
const FRESH_CID = 'fffffffe'

export class DiskError extends Error {
  /** @param {'missing'|'invalid'} kind */
  constructor(kind, file, detail) {
    super(`${file}: ${detail}`)
    this.kind = kind
    this.file = file
  }
}

export function randomHex(bytes) {
  return crypto.randomBytes(bytes).toString('hex')
}

/** "20GB", "40000M", "512KB", "1.5GB" or a bare number of sectors → sectors, or null. */
export function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)\s*(KB|K|MB|M|GB|G|TB|T)?$/i.exec(text ?? '')
  if (!m) return null
  const unit = (m[2] ?? '').toUpperCase()[0]
  const factor = { K: 2, M: 2048, G: 2048 * 1024, T: 2048 * 1024 * 1024 }[unit] ?? 1
  const sectors = Math.floor(Number(m[1]) * factor)
  return sectors > 0 ? sectors : null
}

function geometry(sectors, adapter) {
  const [heads, perTrack, maxCyl] = adapter === 'ide' ? [16, 63, 16383] : [255, 63, 65535]
  return { cylinders: Math.min(Math.floor(sectors / (heads * perTrack)), maxCyl), heads, sectors: perTrack }
}

function newDiskUuid() {
  const b = ['60', '00', 'C2', ...randomHex(13).match(/../g)]
  return `${b.slice(0, 8).join(' ')}-${b.slice(8).join(' ')}`
}

function extentSizes(total) {
  const sizes = []
  for (let left = total; left > 0; left -= SPLIT_SECTORS) sizes.push(Math.min(left, SPLIT_SECTORS))
  return sizes
}

function descriptorText(d) {
  const head = ['# Disk DescriptorFile', 'version=1', 'encoding="UTF-8"', `CID=${d.cid}`, `parentCID=${d.parentCid}`, `createType="${d.createType}"`]
  if (d.parentHint !== undefined) head.push(`parentFileNameHint="${d.parentHint}"`)
  const extents = d.extents.map((e) => (e.kind === 'FLAT' ? `RW ${e.sectors} FLAT "${e.file}" ${e.offset ?? 0}` : `RW ${e.sectors} ${e.kind} "${e.file}"`))
  const ddb = [...d.ddb].map(([k, v]) => `${k} = "${v}"`)
  return [...head, '', '# Extent description', ...extents, '', '# The Disk Data Base ', '#DDB', '', ...ddb, ''].join('\n')
}

function parseDescriptor(text, file) {
  if (!text.startsWith('# Disk DescriptorFile')) throw new DiskError('invalid', file, 'not a virtual disk descriptor')
  const d = { cid: FRESH_CID, parentCid: NO_PARENT_CID, createType: '', extents: [], ddb: new Map() }
  for (const line of text.split(/\r?\n/)) {
    const extent = /^(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\w+)\s+"([^"]+)"(?:\s+(\d+))?/.exec(line)
    if (extent) {
      d.extents.push({ sectors: Number(extent[2]), kind: extent[3], file: extent[4], offset: extent[5] === undefined ? undefined : Number(extent[5]) })
      continue
    }
    const ddb = /^(ddb\.[\w.]+)\s*=\s*"([^"]*)"/.exec(line)
    if (ddb) {
      d.ddb.set(ddb[1], ddb[2])
      continue
    }
    const m = /^(\w+)=(?:"([^"]*)"|(\S*))/.exec(line)
    if (!m) continue
    const value = m[2] ?? m[3]
    if (m[1] === 'CID') d.cid = value
    else if (m[1] === 'parentCID') d.parentCid = value
    else if (m[1] === 'createType') d.createType = value
    else if (m[1] === 'parentFileNameHint') d.parentHint = value
  }
  if (d.extents.length === 0) throw new DiskError('invalid', file, 'descriptor lists no extents')
  return d
}

/** Writes a hosted sparse extent: header, optional embedded descriptor, empty grain tables. */
function writeSparseExtent(file, capacity, descriptor) {
  const numGts = Math.ceil(capacity / (GRAIN * GTES_PER_GT))
  const gdSectors = Math.ceil((numGts * 4) / SECTOR)
  const gtSectors = (GTES_PER_GT * 4) / SECTOR
  const descOffset = descriptor === undefined ? 0 : 1
  const descSize = descriptor === undefined ? 0 : EMBEDDED_DESCRIPTOR_SECTORS
  const rgdOffset = 1 + descSize
  const rgtStart = rgdOffset + gdSectors
  const gdOffset = rgtStart + numGts * gtSectors
  const gtStart = gdOffset + gdSectors
  const overHead = Math.ceil((gtStart + numGts * gtSectors) / GRAIN) * GRAIN

  const header = Buffer.alloc(SECTOR)
  header.writeUInt32LE(MAGIC, 0)
  header.writeUInt32LE(1, 4) // version
  header.writeUInt32LE(3, 8) // flags: valid newline test, redundant grain table
  header.writeBigUInt64LE(BigInt(capacity), 12)
  header.writeBigUInt64LE(BigInt(GRAIN), 20)
  header.writeBigUInt64LE(BigInt(descOffset), 28)
  header.writeBigUInt64LE(BigInt(descSize), 36)
  header.writeUInt32LE(GTES_PER_GT, 44)
  header.writeBigUInt64LE(BigInt(rgdOffset), 48)
  header.writeBigUInt64LE(BigInt(gdOffset), 56)
  header.writeBigUInt64LE(BigInt(overHead), 64)
  header.write('\n \r\n', 73, 'latin1')

  const directory = (firstGt) => {
    const buf = Buffer.alloc(gdSectors * SECTOR)
    for (let i = 0; i < numGts; i++) buf.writeUInt32LE(firstGt + i * gtSectors, i * 4)
    return buf
  }
  const fd = fs.openSync(file, 'w')
  try {
    fs.writeSync(fd, header, 0, SECTOR, 0)
    if (descriptor !== undefined) writeEmbedded(fd, descriptor, file)
    fs.writeSync(fd, directory(rgtStart), 0, gdSectors * SECTOR, rgdOffset * SECTOR)
    fs.writeSync(fd, directory(gtStart), 0, gdSectors * SECTOR, gdOffset * SECTOR)
    fs.ftruncateSync(fd, overHead * SECTOR)
  } finally {
    fs.closeSync(fd)
  }
}

function writeEmbedded(fd, descriptor, file) {
  const area = Buffer.alloc(EMBEDDED_DESCRIPTOR_SECTORS * SECTOR)
  if (Buffer.byteLength(descriptor) > area.length) throw new DiskError('invalid', file, 'descriptor too large to embed')
  area.write(descriptor, 0, 'utf8')
  fs.writeSync(fd, area, 0, area.length, SECTOR)
}

function writeFlatExtent(file, sectors) {
  const fd = fs.openSync(file, 'w')
  try {
    fs.ftruncateSync(fd, sectors * SECTOR)
  } finally {
    fs.closeSync(fd)
  }
}

/** Reads a disk's descriptor, stand-alone or embedded in a monolithic sparse file. */
export function readDisk(file) {
  let fd
  try {
    fd = fs.openSync(file, 'r')
  } catch (error) {
    if (error.code === 'ENOENT') throw new DiskError('missing', file, 'Could not find the file')
    throw error
  }
  try {
    const head = Buffer.alloc(SECTOR)
    const got = fs.readSync(fd, head, 0, SECTOR, 0)
    let text
    let embedded = false
    if (got >= 4 && head.readUInt32LE(0) === MAGIC) {
      const offset = Number(head.readBigUInt64LE(28))
      const size = Number(head.readBigUInt64LE(36))
      if (size === 0) throw new DiskError('invalid', file, 'sparse extent without a descriptor')
      const buf = Buffer.alloc(size * SECTOR)
      fs.readSync(fd, buf, 0, buf.length, offset * SECTOR)
      text = buf.toString('utf8').replace(/\0+$/, '')
      embedded = true
    } else {
      const size = fs.fstatSync(fd).size
      if (size > 64 * 1024) throw new DiskError('invalid', file, 'not a virtual disk descriptor')
      const buf = Buffer.alloc(size)
      fs.readSync(fd, buf, 0, size, 0)
      text = buf.toString('utf8')
    }
    return { file: path.resolve(file), embedded, ...parseDescriptor(text, file) }
  } finally {
    fs.closeSync(fd)
  }
}

/** Rewrites the descriptor of `disk` (after changing its CID, parent or DDB). */
function saveDisk(disk) {
  const text = descriptorText(disk)
  if (!disk.embedded) {
    fs.writeFileSync(disk.file, text)
    return
  }
  const fd = fs.openSync(disk.file, 'r+')
  try {
    writeEmbedded(fd, text, disk.file)
  } finally {
    fs.closeSync(fd)
  }
}

/** Absolute paths of every file that makes up `disk` (descriptor first). */
export function diskFiles(disk) {
  const dir = path.dirname(disk.file)
  const extents = disk.extents.map((e) => path.resolve(dir, e.file))
  return [disk.file, ...extents.filter((f) => f !== disk.file)]
}

export function capacityOf(disk) {
  return disk.extents.reduce((sum, e) => sum + e.sectors, 0)
}

/** Resolves a parentFileNameHint the way VMware does: relative to the child's folder. */
export function parentPath(disk) {
  return disk.parentHint === undefined ? undefined : path.resolve(path.dirname(disk.file), disk.parentHint)
}

/** The disk and all its ancestors, top first; throws DiskError for the first missing piece. */
export function readChain(topFile) {
  const chain = []
  const seen = new Set()
  for (let file = path.resolve(topFile); file !== undefined; ) {
    if (seen.has(file)) throw new DiskError('invalid', file, 'disk chain loops back on itself')
    seen.add(file)
    const disk = readDisk(file)
    for (const extent of diskFiles(disk)) {
      if (!fs.existsSync(extent)) throw new DiskError('missing', extent, 'Could not find the file')
    }
    chain.push(disk)
    file = parentPath(disk)
  }
  return chain
}

const TYPES = {
  0: { createType: 'monolithicSparse' },
  1: { createType: 'twoGbMaxExtentSparse', suffix: 's' },
  2: { createType: 'monolithicFlat' },
  3: { createType: 'twoGbMaxExtentFlat', suffix: 'f' },
}

export function supportedDiskType(type) {
  return Object.hasOwn(TYPES, type)
}

/** Creates a new base disk the way `vmware-vdiskmanager -c` does; returns its files. */
export function createDisk(file, { sectors, adapter, type }) {
  const { createType, suffix } = TYPES[type]
  const base = path.basename(file, path.extname(file))
  const dir = path.dirname(file)
  const geo = geometry(sectors, adapter)
  const disk = {
    file: path.resolve(file),
    embedded: type === 0,
    cid: FRESH_CID,
    parentCid: NO_PARENT_CID,
    createType,
    extents: [],
    ddb: new Map([
      ['ddb.adapterType', adapter],
      ['ddb.geometry.cylinders', String(geo.cylinders)],
      ['ddb.geometry.heads', String(geo.heads)],
      ['ddb.geometry.sectors', String(geo.sectors)],
      ['ddb.longContentID', randomHex(16)],
      ['ddb.uuid', newDiskUuid()],
      ['ddb.virtualHWVersion', '21'],
    ]),
  }
  if (type === 0) {
    disk.extents = [{ sectors, kind: 'SPARSE', file: path.basename(file) }]
    writeSparseExtent(file, sectors, descriptorText(disk))
    return [disk.file]
  }
  if (type === 2) {
    disk.extents = [{ sectors, kind: 'FLAT', file: `${base}-flat.vmdk`, offset: 0 }]
    writeFlatExtent(path.join(dir, `${base}-flat.vmdk`), sectors)
  } else {
    disk.extents = extentSizes(sectors).map((n, i) => ({
      sectors: n,
      kind: type === 1 ? 'SPARSE' : 'FLAT',
      file: `${base}-${suffix}${String(i + 1).padStart(3, '0')}.vmdk`,
      offset: type === 1 ? undefined : 0,
    }))
    for (const e of disk.extents) {
      const f = path.join(dir, e.file)
      if (type === 1) writeSparseExtent(f, e.sectors)
      else writeFlatExtent(f, e.sectors)
    }
  }
  fs.writeFileSync(file, descriptorText(disk))
  return diskFiles(disk)
}

/**
 * Creates a delta disk on top of `parent` (a snapshot's redo log or a linked clone's disk).
 * Split parents get split deltas, everything else a monolithic sparse delta, as VMware does.
 */
export function createDelta(file, parent) {
  const split = parent.createType.startsWith('twoGbMaxExtent')
  const base = path.basename(file, '.vmdk')
  const dir = path.dirname(file)
  const parentDir = path.dirname(parent.file)
  const capacity = capacityOf(parent)
  const disk = {
    file: path.resolve(file),
    embedded: !split,
    cid: randomHex(4),
    parentCid: parent.cid,
    createType: split ? 'twoGbMaxExtentSparse' : 'monolithicSparse',
    parentHint: path.resolve(dir) === parentDir ? path.basename(parent.file) : parent.file,
    extents: [],
    ddb: new Map([['ddb.longContentID', randomHex(16)]]),
  }
  if (split) {
    disk.extents = extentSizes(capacity).map((n, i) => ({
      sectors: n,
      kind: 'SPARSE',
      file: `${base}-s${String(i + 1).padStart(3, '0')}.vmdk`,
    }))
    for (const e of disk.extents) writeSparseExtent(path.join(dir, e.file), e.sectors)
    fs.writeFileSync(file, descriptorText(disk))
  } else {
    disk.extents = [{ sectors: capacity, kind: 'SPARSE', file: path.basename(file) }]
    writeSparseExtent(file, capacity, descriptorText(disk))
  }
  return disk
}

/** Points `child` at a new parent (after its old parent was merged away). */
export function reparent(child, parent) {
  child.parentHint = path.dirname(child.file) === path.dirname(parent.file) ? path.basename(parent.file) : parent.file
  child.parentCid = parent.cid
  saveDisk(child)
}

/** A guest wrote to the disk: VMware gives it a new content ID. */
export function touchContent(disk) {
  disk.cid = randomHex(4)
  if (disk.ddb.has('ddb.longContentID')) disk.ddb.set('ddb.longContentID', randomHex(16))
  saveDisk(disk)
}
