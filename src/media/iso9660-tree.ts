import { InputError } from '../util/errors.js'

/** One file to put on the disc. Directories are implied by the paths. */
export interface IsoFile {
  /** Relative path with '/' separators: 'ks.cfg', 'vmlab/ssh_host_ed25519_key'. */
  path: string
  /** Strings are stored as UTF-8. */
  data: string | Uint8Array
  /** Permission bits (Rock Ridge), 0644 when left out. */
  mode?: number
}

export interface FileNode {
  kind: 'file'
  name: string
  data: Uint8Array
  mode: number
}

export interface DirNode {
  kind: 'dir'
  name: string
  children: Map<string, TreeNode>
}

export type TreeNode = FileNode | DirNode

const DEFAULT_FILE_MODE = 0o644

/**
 * Joliet caps identifiers at 64 UCS-2 characters and file identifiers carry the ';1'
 * version suffix, so 62 keeps every name whole in all three name spaces.
 */
const MAX_NAME_LENGTH = 62

/**
 * ECMA-119 6.8.2.1: at most eight directory levels, the root being the first. Deeper trees
 * need Rock Ridge relocation (RE/CL/PL), which nothing here needs.
 */
const MAX_DIR_DEPTH = 7

/**
 * Joliet forbids * / : ; ? \ and control characters; Windows cannot open names with " < > |
 * either. ';' would also be read as the ISO 9660 version separator.
 */
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f"*:;<>?\\|]/u

/** A lone UTF-16 surrogate has no UTF-8 form: the Rock Ridge and Joliet names would differ. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u

function invalid(path: string, why: string): InputError {
  return new InputError(`ISO file path ${JSON.stringify(path)} is not valid: ${why}`, "use a relative path with '/' separators, such as 'vmlab/ssh_host_ed25519_key'")
}

function checkName(path: string, name: string): void {
  if (name === '') throw invalid(path, 'it has an empty part (leading, trailing or double slash)')
  if (name === '.' || name === '..') throw invalid(path, `'${name}' cannot be a file or directory name`)
  if (FORBIDDEN_CHARS.test(name)) {
    throw invalid(path, 'it contains a control character or one of " * : ; < > ? \\ |')
  }
  if (LONE_SURROGATE.test(name)) throw invalid(path, 'it is not well-formed Unicode')
  if (name.length > MAX_NAME_LENGTH) {
    throw invalid(path, `'${name}' is longer than ${MAX_NAME_LENGTH} characters`)
  }
}

function checkMode(path: string, mode: number): void {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new InputError(`ISO file ${JSON.stringify(path)} has mode ${String(mode)}, which is not a permission mode`, 'give permission bits between 0 and 0o7777, such as 0o600 or 0o644')
  }
}

/** Checks the files and arranges them into a directory tree rooted at an unnamed directory. */
export function buildTree(files: readonly IsoFile[]): DirNode {
  const root: DirNode = { kind: 'dir', name: '', children: new Map() }
  for (const file of files) {
    const parts = file.path.split('/')
    for (const part of parts) checkName(file.path, part)
    if (parts.length - 1 > MAX_DIR_DEPTH) {
      throw invalid(file.path, `ISO 9660 allows at most ${MAX_DIR_DEPTH} nested directories`)
    }
    const mode = file.mode ?? DEFAULT_FILE_MODE
    checkMode(file.path, mode)

    let dir = root
    for (const part of parts.slice(0, -1)) {
      const existing = dir.children.get(part)
      if (existing?.kind === 'file') {
        throw invalid(file.path, `'${part}' is also given as a file`)
      }
      if (existing === undefined) {
        const created: DirNode = { kind: 'dir', name: part, children: new Map() }
        dir.children.set(part, created)
        dir = created
      } else {
        dir = existing
      }
    }
    const name = parts[parts.length - 1] as string
    const existing = dir.children.get(name)
    if (existing !== undefined) {
      throw invalid(file.path, existing.kind === 'dir' ? 'it is also a directory' : 'it is given twice')
    }
    const data = typeof file.data === 'string' ? Buffer.from(file.data, 'utf8') : file.data
    dir.children.set(name, { kind: 'file', name, data, mode })
  }
  return root
}
