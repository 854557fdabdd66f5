/** Which changes a plan holds, asked by key in apply. */
import type { Change } from '../module.js'

/** The keys among `changes`; `has` takes only keys of their union, so a misspelt key does not compile. */
export function changeKeys<K extends string>(changes: readonly Change<K>[]): ReadonlySet<K> {
  return new Set(changes.map((c) => c.key))
}
