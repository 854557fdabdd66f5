/**
 * The cloud image a lab names (`install.image`): where it is, and whether a base was made from it before.
 * Whether the file is one the hypervisor boots is the provider's to say (`cloudImageProblem`).
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'

/** `~/x` is the user's home; anything else relative is relative to `baseDir` (the lab file's folder). */
export function resolveImagePath(image: string, baseDir: string): string {
  if (image === '~' || image.startsWith('~/')) return join(homedir(), image.slice(1))
  return isAbsolute(image) ? image : resolve(baseDir, image)
}

/** The file a lab's state remembers the hash of (see engine/cloud-image.ts): its base was made from it. */
export const IMAGE_MEMO = 'cloud-image.json'

export function imageHashKnown(stateDir: string, path: string): boolean {
  try {
    const memo = JSON.parse(readFileSync(join(stateDir, IMAGE_MEMO), 'utf8')) as { path?: string; sha256?: string }
    return memo.path === path && typeof memo.sha256 === 'string'
  } catch {
    return false
  }
}
