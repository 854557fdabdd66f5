/**
 * What `lab check ARG…` means: a lab file (a path, or a built-in lab's name) as it always did, or the ids of
 * the exercises to grade in a course lab. A lab with exercises grades them all when none is named.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { loadLab } from '../../lab/load.js'
import { InputError } from '../../util/errors.js'

export interface CheckTarget {
  file?: string
  /** Set for a course lab: the exercises to grade ([] = all). */
  exercises?: string[]
}

export async function checkTarget(args: string[], opts: { file?: string }, cwd = process.cwd()): Promise<CheckTarget> {
  let file = opts.file
  let ids = args
  if (file === undefined && args.length === 1 && (existsSync(resolve(cwd, args[0]!)) || /[/.]/.test(args[0]!))) {
    file = args[0]
    ids = []
  }
  let loaded: Awaited<ReturnType<typeof loadLab>> | undefined
  try {
    loaded = await loadLab(file, { cwd, missingFilesOk: true })
  } catch (err) {
    // No ./lab.yaml and one name given: the built-in lab of that name, as `lab check swarm` has always meant.
    if (file === undefined && args.length === 1) return { file: args[0]! }
    throw err
  }
  if (!loaded.lab.exercises.length) {
    if (ids.length === 1 && file === undefined) return { file: ids[0]! }
    if (ids.length) throw new InputError(`${loaded.displayName} has no exercises: ${ids.join(', ')} cannot be graded`, 'run `lab check` alone for its checks')
    return file === undefined ? {} : { file }
  }
  return { ...(file === undefined ? {} : { file }), exercises: ids }
}
