/** Where a command's lab file comes from: -f, or an argument (the rules `lab up FILE` has), and when two words could each be it. */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { InputError } from '../util/errors.js'
import { packagePath } from '../util/package-root.js'

/** A shipped lab's name, where no ./lab.yaml would be the lab a bare command means. */
export function shippedLabHere(name: string, cwd = process.cwd()): boolean {
  return /^[a-z0-9-]+(\/[a-z0-9-]+)?$/.test(name) && !existsSync(join(cwd, 'lab.yaml')) && existsSync(packagePath('labs', `${name}.yaml`))
}

/** The lab file of `lab CMD FILE` or `-f FILE`: both at once must name the same one. */
export function labFileFrom(arg: string | undefined, opts: { file?: string }): string | undefined {
  if (arg !== undefined && opts.file !== undefined && arg !== opts.file) {
    throw new InputError(`two lab files given: ${arg} (argument) and ${opts.file} (-f)`, 'give one of them')
  }
  return opts.file ?? arg
}

/**
 * A word that can only be a lab file: a path (a / or \ in it, or a .yaml/.yml name). A bare word such as
 * `swarm` is also a shipped lab's name, so a command whose other argument is a bare name (a snapshot, a
 * node) takes it as that name: the lab is then given by path, by -f, or in the place of the second argument.
 */
export function looksLikeLabFile(word: string): boolean {
  return /[/\\]/.test(word) || /\.ya?ml$/i.test(word)
}

/**
 * `lab exec [FILE] NODES -- CMD…` and `lab ssh [FILE] NODE [-- CMD…]`: commander hands every word after
 * the first to the variadic argument, the words after `--` too, so the raw argv tells which came before it.
 */
export function splitBeforeDashes(operands: string[], rawArgs: readonly string[]): { before: string[]; after: string[]; dashes: boolean } {
  const at = rawArgs.indexOf('--')
  if (at === -1) return { before: operands, after: [], dashes: false }
  const tail = rawArgs.length - at - 1
  return { before: operands.slice(0, operands.length - tail), after: operands.slice(operands.length - tail), dashes: true }
}

/** The lab file and the one name (node, nodes) of a command whose other words follow `--`. */
export function fileAndName(command: string, usage: string, operands: string[], rawArgs: readonly string[], opts: { file?: string }): { file?: string; name: string; rest: string[] } {
  const { before, after, dashes } = splitBeforeDashes(operands, rawArgs)
  let words = before
  let rest = after
  // Without `--`, `lab ssh labs/swarm.yaml master` still means the lab and the node when the first is a path.
  if (!dashes && words.length >= 2 && looksLikeLabFile(words[0]!)) {
    rest = words.slice(2)
    words = words.slice(0, 2)
  } else if (!dashes) {
    rest = words.slice(1)
    words = words.slice(0, 1)
  }
  if (words.length === 1) return { ...(opts.file !== undefined ? { file: opts.file } : {}), name: words[0]!, rest }
  if (words.length === 2) {
    const file = labFileFrom(words[0], opts)
    return { ...(file !== undefined ? { file } : {}), name: words[1]!, rest }
  }
  throw new InputError(`lab ${command} takes ${usage}: ${words.length} words before --`, `write the command after --, e.g. lab ${command} ${usage.replace(/[[\]]/g, '')}`)
}

/**
 * `lab reset [SNAPSHOT] [FILE]`: two words are the snapshot and the lab; one is the lab when it can only be a
 * path, else the snapshot (as it always was). A bare word that is also a shipped lab's name is refused when
 * there is no ./lab.yaml to reset: either reading could be meant.
 */
export function snapshotAndFile(
  first: string | undefined,
  second: string | undefined,
  opts: { file?: string },
  isShippedLab: (name: string) => boolean = shippedLabHere,
): { snapshot?: string; file?: string } {
  if (second !== undefined) {
    const file = labFileFrom(second, opts)
    return { ...(first !== undefined ? { snapshot: first } : {}), ...(file !== undefined ? { file } : {}) }
  }
  if (first !== undefined && looksLikeLabFile(first)) {
    const file = labFileFrom(first, opts)
    return file !== undefined ? { file } : {}
  }
  if (first !== undefined && opts.file === undefined && isShippedLab(first)) {
    throw new InputError(`'${first}' could be a snapshot or the shipped lab of that name`, `write both: lab reset ready ${first} (the lab), or lab reset ${first} -f lab.yaml (the snapshot)`)
  }
  return { ...(first !== undefined ? { snapshot: first } : {}), ...(opts.file !== undefined ? { file: opts.file } : {}) }
}
