/**
 * Names the hypervisors see. Prefixed so a teacher can tell our VMs from theirs, and namespaced by lab so
 * two labs (and later, several instances of one lab) never collide.
 */
import type { ResolvedLab, ResolvedNode } from './resolve.js'
import { labKey } from './instance.js'

export const NAME_PREFIX = 'vmlab'

export function vmName(lab: Pick<ResolvedLab, 'name' | 'instance'>, node: Pick<ResolvedNode, 'name'>): string {
  return `${vmPrefix(lab)}${node.name}`
}

/** What every VM of this lab (or of this instance of it) starts with, and no other lab's or instance's. */
export function vmPrefix(lab: Pick<ResolvedLab, 'name' | 'instance'>): string {
  return `${NAME_PREFIX}-${labKey(lab)}-`
}

/** The base VM/image of an OS; `key` changes when the base's inputs change, so a new base is built beside the old. */
export function baseName(osId: string, key: string): string {
  return `${NAME_PREFIX}-base-${osId}-${key.slice(0, 8)}`
}
