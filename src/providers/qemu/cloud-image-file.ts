/** Whether a file a lab names as its cloud image (`install.image`) is one QEMU can boot: a readable qcow2 file. */
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import type { FileProblem } from '../provider.js'

const QCOW_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]) // "QFI\xfb"

/** What is wrong with the file at `path`, or undefined when it is a readable qcow2 file. Reads 4 bytes. */
export function checkCloudImage(path: string): FileProblem | undefined {
  let fd: number
  try {
    if (!statSync(path).isFile()) return { message: `${path} is not a file`, hint: 'give the path of the cloud image file (.qcow2)' }
    fd = openSync(path, 'r')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      return { missing: true, message: `no file at ${path}`, hint: 'download the cloud image (e.g. Debian genericcloud, Rocky GenericCloud .qcow2) and give its path, relative to the lab file' }
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
