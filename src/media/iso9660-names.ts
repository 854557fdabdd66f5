/**
 * File identifiers of the two directory trees: plain ISO 9660 level-2 names for readers that
 * know neither Rock Ridge nor Joliet, and Joliet UCS-2 names. (Rock Ridge keeps the original
 * name in an NM entry next to the ISO 9660 one: see iso9660-rockridge.ts.)
 */
import { utf16be } from './iso9660-encoding.js'
import type { TreeNode } from './iso9660-tree.js'

/**
 * Interchange level 2 (ECMA-119 10.2) allows 30 characters of name, '.' and extension.
 * The extension is kept short so that most of the room goes to the name.
 */
const MAX_IDENTIFIER = 30
const MAX_EXTENSION = 8

/** d-characters (ECMA-119 7.4.1): upper-case letters, digits and '_'. */
function dChars(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9_]/g, '_')
}

function splitName(node: TreeNode): { stem: string; ext: string | undefined } {
  // Directory identifiers have no extension (ECMA-119 7.6.1); a file's is after its last dot.
  const dot = node.kind === 'file' ? node.name.lastIndexOf('.') : -1
  if (dot < 0) return { stem: dChars(node.name), ext: node.kind === 'file' ? '' : undefined }
  return {
    stem: dChars(node.name.slice(0, dot)),
    ext: dChars(node.name.slice(dot + 1)).slice(0, MAX_EXTENSION),
  }
}

/**
 * Level-2 identifiers for the entries of one directory, unique within it. Files get the
 * mandatory '.' separator and ';1' version (ECMA-119 7.5.1). Clashes ('user-data' and
 * 'user_data' both become USER_DATA) get a counter in place of the end of the name. Linux
 * without Rock Ridge shows 'FOO.;1' and 'FOO' both as 'foo', so those clash too.
 */
export function isoIdentifiers(entries: readonly TreeNode[]): Map<TreeNode, string> {
  const ids = new Map<TreeNode, string>()
  const taken = new Set<string>()
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const node of sorted) {
    const { stem, ext } = splitName(node)
    const room = MAX_IDENTIFIER - (ext === undefined ? 0 : ext.length + 1)
    const visible = (s: string): string => (ext ? `${s}.${ext}` : s)
    let chosen = stem.slice(0, room)
    for (let n = 1; taken.has(visible(chosen)); n++) {
      const suffix = `_${n}`
      chosen = stem.slice(0, room - suffix.length) + suffix
    }
    taken.add(visible(chosen))
    ids.set(node, ext === undefined ? chosen : `${chosen}.${ext};1`)
  }
  return ids
}

/**
 * ECMA-119 9.3: directory records are sorted by name, then by extension, each compared as
 * if padded with spaces to the same length, then by version (all ours are 1). Path table
 * entries (9.4) use the same order for directory identifiers.
 */
export function compareIsoIdentifiers(a: string, b: string): number {
  const parts = (id: string): [string, string] => {
    const noVersion = id.split(';')[0] as string
    const dot = noVersion.indexOf('.')
    return dot < 0 ? [noVersion, ''] : [noVersion.slice(0, dot), noVersion.slice(dot + 1)]
  }
  const padded = (x: string, y: string): number => {
    const length = Math.max(x.length, y.length)
    const px = x.padEnd(length, ' ')
    const py = y.padEnd(length, ' ')
    return px < py ? -1 : px > py ? 1 : 0
  }
  const [aName, aExt] = parts(a)
  const [bName, bExt] = parts(b)
  // Names that differ only in trailing spaces compare equal padded: the raw order decides,
  // so that the result never depends on the order the files were given in.
  return padded(aName, bName) || padded(aExt, bExt) || (a < b ? -1 : a > b ? 1 : 0)
}

/**
 * The Joliet identifier: the original name in UCS-2 big-endian, files with the ';1' version
 * that Windows and Linux strip again when they show it.
 */
export function jolietIdentifier(node: TreeNode): Buffer {
  return utf16be(node.kind === 'file' ? `${node.name};1` : node.name)
}
