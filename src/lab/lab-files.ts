/**
 * The files a lab names for its modules (compose files, image tarballs, templates, installers): they are
 * copied to the nodes long after the VMs were made, so a missing one, or one outside the lab's folder
 * (`../../etc/shadow`, or a symlink pointing out), is reported with the lab file's other problems instead.
 * `install.image` has its own rule (image-file.ts): a cloud image may live anywhere.
 */
import { realpathSync, statSync } from 'node:fs'
import { packagePath } from '../util/package-root.js'
import { isAbsolute, relative, resolve } from 'node:path'
import { collectRefs, type Entry } from './entries.js'
import { excerpt } from './excerpt.js'
import type { OptionSpec } from './module-options.js'
import type { Problem } from './problems.js'

/** A value a module downloads on the node itself rather than copies from beside the lab file. */
export function isRemoteFile(value: string): boolean {
  return /^https?:\/\//i.test(value)
}

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path)
  } catch {
    return undefined
  }
}

/**
 * The shipped labs' files that are not shipped but built here (a checkout has no binaries): the script that
 * makes each, for the hint of a newcomer who ran `lab up debian-swarm` before it.
 */
const BUILT_FILES: Array<[string[], string, string]> = [
  [['labs', 'images', 'busybox-rootfs.tar'], 'node scripts/busybox-image.mjs', "Debian's busybox-static and tar"],
  [['labs', 'course', 'images', 'busybox-rootfs.tar'], 'node scripts/busybox-image.mjs labs/course/images/busybox-rootfs.tar', "Debian's busybox-static and tar"],
  [['labs', 'course', 'images', 'registry.tar'], 'node scripts/registry-image.mjs labs/course/images/registry.tar', "Debian's docker-registry and tar"],
]

export function madeByScript(path: string): string | undefined {
  const found = BUILT_FILES.find(([parts]) => resolve(packagePath(...parts)) === path)
  return found && `this file of a shipped lab is built on this machine: run \`${found[1]}\` in ${packagePath()} (it needs ${found[2]}), then try again`
}

/**
 * What is wrong with `value` as a file of the lab in `filesDir`, or undefined. `missingOk` lets commands that
 * copy nothing (destroy, status) read a lab whose files were since removed; a path outside is never right.
 */
export function labFileProblem(value: string, filesDir: string, missingOk = false): { message: string; hint: string } | undefined {
  const shown = excerpt(value)
  const path = resolve(filesDir, value)
  const outside = { message: `${shown} is outside the lab's folder ${excerpt(filesDir, 200)}`, hint: "put the file in the lab file's folder (or below it) and give its path relative to the lab file" }
  if (!inside(filesDir, path)) return outside
  const real = realOrUndefined(path)
  if (real === undefined) {
    if (missingOk) return undefined
    return {
      message: `no file ${shown} next to the lab file (looked for ${excerpt(path, 200)})`,
      hint: madeByScript(path) ?? "put the file there, or correct the path (relative to the lab file's folder)",
    }
  }
  // A symlink inside the folder may point anywhere: what counts is where it leads.
  if (!inside(realOrUndefined(filesDir) ?? filesDir, real)) return { ...outside, message: `${shown} leads outside the lab's folder (to ${excerpt(real, 200)})` }
  let isFile = false
  try {
    isFile = statSync(real).isFile()
  } catch (err) {
    return { message: `cannot read ${shown} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, hint: 'make the file readable by the user who runs lab' }
  }
  if (!isFile) return { message: `${shown} is not a file`, hint: 'name a file, not a folder' }
  return undefined
}

/** Problems of every file the entries name, at the option that names it. */
export function labFilesProblems(entries: Entry[], specs: Record<string, OptionSpec>, filesDir: string, missingOk: boolean): Problem[] {
  const problems: Problem[] = []
  for (const e of entries) {
    for (const ref of collectRefs(e.options, specs[e.name]!.files ?? [])) {
      if (isRemoteFile(ref.value)) continue
      const wrong = labFileProblem(ref.value, filesDir, missingOk)
      if (wrong) problems.push({ path: [...e.path, e.name, ...ref.path], ...wrong })
    }
  }
  return problems
}
