/** The cloud image a lab names (`install.image`): where it is, and whether it is a file QEMU can boot. */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'

/** `~/x` is the user's home; anything else relative is relative to `baseDir` (the lab file's folder). */
export function resolveImagePath(image: string, baseDir: string): string {
  if (image === '~' || image.startsWith('~/')) return join(homedir(), image.slice(1))
  return isAbsolute(image) ? image : resolve(baseDir, image)
}

const QCOW_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]) // "QFI\xfb"

/** What is wrong with the file at `path`, or undefined when it is a readable qcow2 file. Reads 4 bytes. */
export function imageFileProblem(path: string): { message: string; hint: string; missing?: true } | undefined {
  let fd: number
  try {
    if (!statSync(path).isFile()) return { message: `${path} is not a file`, hint: 'give the path of the cloud image file (.qcow2)' }
    fd = openSync(path, 'r')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { missing: true, message: `no file at ${path}`, hint: 'download the cloud image (e.g. Debian genericcloud, Rocky GenericCloud .qcow2) and give its path, relative to the lab file' }
    return { message: `cannot read ${path} (${code ?? (err as Error).message})`, hint: 'make the file readable by the user who runs lab' }
  }
  try {
    const head = Buffer.alloc(4)
    const n = readSync(fd, head, 0, 4, 0)
    if (n < 4 || !head.equals(QCOW_MAGIC)) {
      return { message: `${path} is not a qcow2 image`, hint: 'give a qcow2 cloud image, or convert it: qemu-img convert -O qcow2 IMAGE image.qcow2' }
    }
  } catch (err) {
    return { message: `cannot read ${path} (${(err as Error).message})`, hint: 'make the file readable by the user who runs lab' }
  } finally {
    closeSync(fd)
  }
  return undefined
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
