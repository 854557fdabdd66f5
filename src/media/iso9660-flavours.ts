/**
 * The two directory hierarchies written to every image. Both point at the same file data;
 * a reader picks one by the volume descriptor it starts from.
 */
import type { Flavour } from './iso9660-hierarchy.js'
import { directoryLinks } from './iso9660-hierarchy.js'
import { compareIsoIdentifiers, isoIdentifiers, jolietIdentifier } from './iso9660-names.js'
import { erEntry, nmEntry, pxEntry, spEntry } from './iso9660-rockridge.js'
import type { TreeNode } from './iso9660-tree.js'

/** Directories are implied by the file paths, so they get the usual mode. */
const DIRECTORY_MODE = 0o755

function px(node: TreeNode): Buffer {
  return node.kind === 'dir' ? pxEntry('dir', DIRECTORY_MODE, directoryLinks(node)) : pxEntry('file', node.mode, 1)
}

/**
 * Reached from the primary volume descriptor: level-2 names for plain ISO 9660 readers, and
 * Rock Ridge entries with the real names and modes for Linux and macOS.
 */
export const primaryFlavour: Flavour = {
  identifiers(entries) {
    const ids = new Map<TreeNode, Buffer>()
    for (const [node, id] of isoIdentifiers(entries)) ids.set(node, Buffer.from(id, 'latin1'))
    return ids
  },
  compare: (a, b) => compareIsoIdentifiers(a.toString('latin1'), b.toString('latin1')),
  systemUse(role, node, isRoot) {
    // SUSP 5.3: SP comes first in the root's '.' record; RRIP 4 puts ER there as well.
    if (role === 'self' && isRoot) return [spEntry(), px(node), erEntry()]
    // '.' and '..' keep their special identifiers: they carry attributes, not names.
    if (role !== 'child') return [px(node)]
    return [px(node), nmEntry(node.name)]
  },
}

function decodeUtf16be(buf: Buffer): string {
  return Buffer.from(buf).swap16().toString('utf16le')
}

/**
 * Reached from the Joliet supplementary volume descriptor (escape sequence %/E, UCS-2 level
 * 3): the original names for Windows. Joliet has no place for modes.
 */
export const jolietFlavour: Flavour = {
  identifiers(entries) {
    return new Map(entries.map((node) => [node, jolietIdentifier(node)]))
  },
  compare: (a, b) => compareIsoIdentifiers(decodeUtf16be(a), decodeUtf16be(b)),
  systemUse: () => [],
}
