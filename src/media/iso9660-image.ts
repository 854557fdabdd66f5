/**
 * Puts a checked file tree together into the bytes of an ISO 9660 image with Rock Ridge and
 * Joliet: plans both hierarchies, lays them out, then writes every structure in place.
 */
import { SECTOR_SIZE, recordDate } from './iso9660-encoding.js'
import { descriptorSetTerminator, jolietVolumeDescriptor, primaryVolumeDescriptor } from './iso9660-descriptors.js'
import { jolietFlavour, primaryFlavour } from './iso9660-flavours.js'
import type { DirPlan, RecordPlan } from './iso9660-hierarchy.js'
import { planHierarchy, recordOffsets } from './iso9660-hierarchy.js'
import type { PathTablePlace } from './iso9660-layout.js'
import { JOLIET_DESCRIPTOR_SECTOR, PRIMARY_DESCRIPTOR_SECTOR, TERMINATOR_SECTOR, layOut } from './iso9660-layout.js'
import { pathTable, writeDirectoryRecord } from './iso9660-records.js'
import type { DirectoryRecord } from './iso9660-records.js'
import { ceEntry } from './iso9660-rockridge.js'
import type { DirNode } from './iso9660-tree.js'

/** Every planned directory and file has a place in the layout. */
function placeOf<K>(places: Map<K, number>, key: K): number {
  return places.get(key) as number
}

export function assembleImage(volumeId: string, tree: DirNode, date: Date): Buffer {
  const primary = planHierarchy(tree, primaryFlavour)
  const joliet = planHierarchy(tree, jolietFlavour)
  const layout = layOut(primary, joliet)
  const image = Buffer.alloc(layout.totalSectors * SECTOR_SIZE)
  // One time stamp for everything, so that equal input gives equal bytes.
  const stamp = recordDate(date)

  const directoryRecord = (record: RecordPlan, systemUse: Buffer): DirectoryRecord => {
    const { identifier, target } = record
    return 'kind' in target
      ? {
          identifier,
          sector: placeOf(layout.fileSectors, target),
          dataLength: target.data.length,
          isDirectory: false,
          date: stamp,
          systemUse,
        }
      : {
          identifier,
          sector: placeOf(layout.dirSectors, target),
          dataLength: target.size,
          isDirectory: true,
          date: stamp,
          systemUse,
        }
  }

  for (const dir of [...primary, ...joliet]) {
    const start = placeOf(layout.dirSectors, dir) * SECTOR_SIZE
    const { offsets } = recordOffsets(dir.records)
    dir.records.forEach((record, i) => {
      const continuation = layout.continuations.get(record)
      const entries = [...record.systemUse]
      if (continuation !== undefined) {
        entries.push(ceEntry(continuation.sector, continuation.offset, continuation.length))
        const at = continuation.sector * SECTOR_SIZE + continuation.offset
        Buffer.concat(record.continued).copy(image, at)
      }
      writeDirectoryRecord(image, start + (offsets[i] as number), directoryRecord(record, Buffer.concat(entries)))
    })
  }

  const writePathTables = (dirs: readonly DirPlan[], place: PathTablePlace): void => {
    const sectorOf = (dir: DirPlan): number => placeOf(layout.dirSectors, dir)
    pathTable(dirs, sectorOf, 'LE').copy(image, place.littleEndian * SECTOR_SIZE)
    pathTable(dirs, sectorOf, 'BE').copy(image, place.bigEndian * SECTOR_SIZE)
  }
  writePathTables(primary, layout.primaryPathTable)
  writePathTables(joliet, layout.jolietPathTable)

  for (const file of layout.files) image.set(file.data, placeOf(layout.fileSectors, file) * SECTOR_SIZE)

  const descriptorFields = (dirs: readonly DirPlan[], place: PathTablePlace) => {
    // The root's record in a descriptor is its '.' record without system use: 34 bytes.
    const rootRecord = Buffer.alloc(34)
    writeDirectoryRecord(rootRecord, 0, directoryRecord(dirs[0]?.records[0] as RecordPlan, Buffer.alloc(0)))
    return {
      volumeId,
      totalSectors: layout.totalSectors,
      pathTableSize: place.size,
      littleEndianPathTable: place.littleEndian,
      bigEndianPathTable: place.bigEndian,
      rootRecord,
      date,
    }
  }
  primaryVolumeDescriptor(descriptorFields(primary, layout.primaryPathTable)).copy(image, PRIMARY_DESCRIPTOR_SECTOR * SECTOR_SIZE)
  jolietVolumeDescriptor(descriptorFields(joliet, layout.jolietPathTable)).copy(image, JOLIET_DESCRIPTOR_SECTOR * SECTOR_SIZE)
  descriptorSetTerminator().copy(image, TERMINATOR_SECTOR * SECTOR_SIZE)
  return image
}
