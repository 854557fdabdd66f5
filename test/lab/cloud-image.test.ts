/** install.image: where the lab file points, and every way it can be wrong (file:line:col and a fix). */
import t from 'tap'
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { loadLab, parseLab } from '../../src/lab/load.js'
import { LabFileError, type Problem } from '../../src/lab/problems.js'
import { resolveImagePath } from '../../src/lab/image-file.js'

const QCOW = Buffer.concat([Buffer.from([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3]), Buffer.alloc(504)])

function labText(image: string, provider = 'qemu', os = 'debian12'): string {
  return `name: cloud
os: ${os}
provider: ${provider}
network:
  cidr: 192.168.56.0/24
install:
  image: ${image}
nodes:
  - name: master
`
}

const dir = t.testdir({ images: {} })
writeFileSync(join(dir, 'images', 'cloud.qcow2'), QCOW)
writeFileSync(join(dir, 'images', 'cloud.raw'), Buffer.alloc(512))
mkdirSync(join(dir, 'images', 'folder.qcow2'))

async function problemsOf(text: string): Promise<Problem[]> {
  writeFileSync(join(dir, 'lab.yaml'), text)
  try {
    await loadLab('lab.yaml', { cwd: dir })
  } catch (err) {
    if (err instanceof LabFileError) return err.problems
    throw err
  }
  throw new Error('expected the lab to be rejected')
}

t.test('a qcow2 next to the lab file: accepted, its path made absolute', async (t) => {
  writeFileSync(join(dir, 'lab.yaml'), labText('images/cloud.qcow2'))
  const loaded = await loadLab('lab.yaml', { cwd: dir })
  t.equal(loaded.lab.install.image, join(dir, 'images', 'cloud.qcow2'))
  t.equal(loaded.lab.os.id, 'debian12', 'os: still names the family the modules work for')
})

t.test('~ is the home folder; relative paths are relative to the lab file, not the working folder', async (t) => {
  t.equal(resolveImagePath('~/img/x.qcow2', '/labs'), join(homedir(), 'img', 'x.qcow2'))
  t.equal(resolveImagePath('img/x.qcow2', '/labs/a'), '/labs/a/img/x.qcow2')
  t.equal(resolveImagePath('/srv/x.qcow2', '/labs/a'), '/srv/x.qcow2')
})

t.test('other providers are refused at install.image, with the fix', async (t) => {
  for (const provider of ['virtualbox', 'vmware', 'auto']) {
    // An EL OS: Debian labs are refused for these providers for a reason of their own.
    const [p, ...rest] = await problemsOf(labText('images/cloud.qcow2', provider, 'rocky9'))
    t.equal(rest.length, 0, provider)
    t.same(p!.path, ['install', 'image'])
    t.equal(p!.line, 7)
    t.equal(p!.col, 10)
    t.match(p!.message, /qemu provider/)
    t.match(p!.hint, /provider: qemu/)
  }
})

t.test('a missing file, a folder, a file that is not qcow2, an unreadable file', async (t) => {
  const cases: Array<[string, RegExp, RegExp]> = [
    ['images/nothere.qcow2', /no file at .*images\/nothere\.qcow2/, /download the cloud image/],
    ['images/folder.qcow2', /is not a file/, /path of the cloud image file/],
    ['images/cloud.raw', /is not a qcow2 image/, /qemu-img convert -O qcow2/],
  ]
  if (process.getuid?.() !== 0) {
    writeFileSync(join(dir, 'images', 'locked.qcow2'), QCOW)
    chmodSync(join(dir, 'images', 'locked.qcow2'), 0)
    cases.push(['images/locked.qcow2', /cannot read .*EACCES/, /readable/])
  }
  for (const [image, message, hint] of cases) {
    const problems = await problemsOf(labText(image))
    t.equal(problems.length, 1, image)
    t.same(problems[0]!.path, ['install', 'image'])
    t.equal(problems[0]!.line, 7)
    t.match(problems[0]!.message, message)
    t.match(problems[0]!.hint, hint)
  }
})

t.test('the formatted error names file, line and column', async (t) => {
  writeFileSync(join(dir, 'lab.yaml'), labText('images/nothere.qcow2'))
  const err = await loadLab('lab.yaml', { cwd: dir }).catch((e: unknown) => e)
  t.ok(err instanceof LabFileError)
  t.match((err as Error).message, /^lab\.yaml: 1 problem\nlab\.yaml:7:10: install\.image: no file at .*\n {4}fix: /)
})

t.test('text alone (no lab folder) checks the provider but reads no file', async (t) => {
  t.equal(parseLab(labText('nowhere.qcow2'), 'lab.yaml').install.image, 'nowhere.qcow2')
})

t.test('a file moved away after the base was made from it: the lab still loads, the hash is remembered', async (t) => {
  const { cloudImageRef } = await import('../../src/engine/cloud-image.js')
  const { renameSync } = await import('node:fs')
  const lab2 = t.testdir({ 'cloud.qcow2': QCOW })
  writeFileSync(join(lab2, 'lab.yaml'), labText('cloud.qcow2'))
  const loaded = await loadLab('lab.yaml', { cwd: lab2 })
  mkdirSync(loaded.stateDir, { recursive: true })
  const first = await cloudImageRef(loaded.lab.install.image!, loaded.stateDir)
  t.match(first.sha256, /^[0-9a-f]{64}$/)
  renameSync(join(lab2, 'cloud.qcow2'), join(lab2, 'moved.qcow2'))
  const again = await loadLab('lab.yaml', { cwd: lab2 })
  t.equal(again.lab.install.image, join(lab2, 'cloud.qcow2'))
  t.same(await cloudImageRef(again.lab.install.image!, again.stateDir), first)
  await t.rejects(cloudImageRef(join(lab2, 'other.qcow2'), again.stateDir), /cloud image .* is gone/)
})
