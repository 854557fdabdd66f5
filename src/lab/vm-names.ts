/**
 * Names the hypervisors see. Prefixed so a teacher can tell our VMs from theirs, and namespaced by lab so
 * two labs (and later, several instances of one lab) never collide.
 */
import type { ResolvedLab, ResolvedNode } from './resolve.js'

export const NAME_PREFIX = 'vmlab'

export function vmName(lab: Pick<ResolvedLab, 'name'>, node: Pick<ResolvedNode, 'name'>): string {
  return `${NAME_PREFIX}-${lab.name}-${node.name}`
}

/** The base VM/image of an OS; `key` changes when the base's inputs change, so a new base is built beside the old. */
export function baseName(osId: string, key: string): string {
  return `${NAME_PREFIX}-base-${osId}-${key.slice(0, 8)}`
}
