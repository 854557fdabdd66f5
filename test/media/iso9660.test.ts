import t from 'tap'
import type { Test } from 'tap'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildIso, writeIsoFile } from '../../src/media/iso9660.js'
import type { IsoFile } from '../../src/media/iso9660.js'
import { InputError } from '../../src/util/errors.js'
import { run } from '../../src/util/run.js'

const DATE = new Date('2024-05-06T07:08:09Z')

/** Reproducible bytes covering all 256 values. */
function bytes(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size)
  for (let offset = 0, block = 0; offset < size; block++) {
    offset += createHash('sha256').update(`${seed}:${block}`).digest().copy(out, offset)
  }
  return out
}

/** 62 characters of 3 UTF-8 bytes each at most: the Rock Ridge name no longer fits in its record. */
const longNames = Array.from({ length: 150 }, (_, i) => `${'€'.repeat(58)}-${String(i).padStart(3, '0')}`)

const FILES: IsoFile[] = [
  { path: 'ks.cfg', data: 'text\nreboot\n' },
  { path: 'meta-data', data: 'instance-id: node1\nlocal-hostname: node1\n' },
  { path: 'user-data', data: '#cloud-config\n' },
  { path: 'user_data', data: 'clashes with user-data as a plain ISO 9660 name\n' },
  { path: 'network-config', data: 'version: 2\n' },
  { path: 'empty', data: '' },
  { path: 'big.bin', data: bytes(300_000, 'big') },
  { path: 'sizes/one', data: bytes(1, 'one') },
  { path: 'sizes/sector-1', data: bytes(2047, 'a') },
  { path: 'sizes/sector', data: bytes(2048, 'b') },
  { path: 'sizes/sector+1', data: bytes(2049, 'c') },
  { path: 'vmlab/ssh_host_ed25519_key', data: 'PRIVATE\n', mode: 0o600 },
  { path: 'vmlab/ssh_host_ed25519_key.pub', data: 'ssh-ed25519 AAAA node1\n' },
  { path: 'vmlab/ssh_host_rsa_key', data: 'PRIVATE RSA\n', mode: 0o600 },
  { path: 'vmlab/apply.sh', data: '#!/bin/sh\n', mode: 0o755 },
  { path: 'a/b/c/d/e/f/g/deepest.txt', data: 'seven directories down\n' },
  { path: 'Mixed.Case-Name.v2.TXT', data: 'M' },
  { path: 'UPPER', data: 'U' },
  { path: 'lower', data: 'l' },
  { path: 'café-ñ.txt', data: 'unicode\n' },
  { path: 'x'.repeat(62), data: 'longest name' },
  ...longNames.map((name, i) => ({ path: `many/${name}`, data: `long ${i}\n` })),
  ...Array.from({ length: 150 }, (_, i) => ({ path: `many/file-${i}.conf`, data: `n=${i}\n` })),
]

const expected = new Map(FILES.map((f) => [f.path, { data: typeof f.data === 'string' ? Buffer.from(f.data) : Buffer.from(f.data), mode: f.mode ?? 0o644 }]))

const work = await mkdtemp(join(tmpdir(), 'iso9660-test-'))
t.teardown(() => rm(work, { recursive: true, force: true }))
const image = buildIso({ volumeId: 'cidata', files: FILES, date: DATE })
const iso = join(work, 'seed.iso')
await writeFile(iso, image)

/** Every file under `dir`, by '/'-separated path relative to it. */
async function readTree(dir: string): Promise<Map<string, { data: Buffer; mode: number }>> {
  const out = new Map<string, { data: Buffer; mode: number }>()
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const full = join(entry.parentPath, entry.name)
    const path = full.slice(dir.length + 1)
    out.set(path, { data: await readFile(full), mode: (await stat(full)).mode & 0o7777 })
  }
  return out
}

function sameFiles(t: Test, got: Map<string, { data: Buffer; mode: number }>, checkModes: boolean): void {
  t.same([...got.keys()].sort(), [...expected.keys()].sort(), 'the same file paths')
  const problems: string[] = []
  for (const [path, want] of expected) {
    const have = got.get(path)
    if (have === undefined) continue
    if (!have.data.equals(want.data)) {
      problems.push(`${path}: contents differ (${have.data.length} vs ${want.data.length} bytes)`)
    }
    if (checkModes && have.mode !== want.mode) {
      problems.push(`${path}: mode ${have.mode.toString(8)}, expected ${want.mode.toString(8)}`)
    }
  }
  t.same(problems, [], checkModes ? 'the same bytes and modes' : 'the same bytes')
}

t.test('osirrox extracts every file byte for byte with its Rock Ridge name and mode', async (t) => {
  const out = join(work, 'rock-ridge')
  await run('osirrox', ['-indev', iso, '-extract', '/', out])
  sameFiles(t, await readTree(out), true)
  t.equal((await stat(join(out, 'vmlab'))).mode & 0o7777, 0o755, 'directories are 0755')
  t.equal((await stat(join(out, 'vmlab/ssh_host_ed25519_key'))).mode & 0o7777, 0o600)
})

t.test('the Joliet tree holds the same names and bytes', async (t) => {
  const out = join(work, 'joliet')
  // Joliet names are UCS-2: with LANG=C xorriso would otherwise turn non-ASCII ones into hashes.
  await run('osirrox', ['-local_charset', 'UTF-8', '-read_fs', 'norock', '-indev', iso, '-extract', '/', out])
  sameFiles(t, await readTree(out), false)
})

t.test('the plain ISO 9660 tree has unique level-2 names for every file', async (t) => {
  const { stdout } = await run('xorriso', ['-read_fs', 'ecma119', '-indev', iso, '-find', '/', '-type', 'f'])
  const paths = stdout.trim().split('\n')
  t.equal(new Set(paths).size, FILES.length)
  for (const name of ["'/KS.CFG'", "'/META_DATA'", "'/USER_DATA'", "'/USER_DATA_1'", "'/VMLAB/SSH_HOST_ED25519_KEY.PUB'", "'/A/B/C/D/E/F/G/DEEPEST.TXT'", "'/MIXED_CASE_NAME_V2.TXT'"]) {
    t.ok(paths.includes(name), name)
  }
  t.ok(
    paths.every((p) => /^'\/[A-Z0-9_./]+'$/.test(p)),
    'd-characters only',
  )
})

t.test('isoinfo and blkid see the label, Rock Ridge and Joliet', async (t) => {
  const { stdout } = await run('isoinfo', ['-d', '-i', iso])
  t.match(stdout, /^Volume id: cidata$/m)
  t.match(stdout, /^Joliet with UCS level 3 found$/m)
  t.match(stdout, /^Rock Ridge signatures version 1 found$/m)
  t.match(stdout, new RegExp(`^Volume size is: ${image.length / 2048}$`, 'm'))
  t.equal((await run('blkid', ['-o', 'value', '-s', 'LABEL', iso])).stdout, 'cidata\n')
  t.equal((await run('blkid', ['-o', 'value', '-s', 'TYPE', iso])).stdout, 'iso9660\n')
})

t.test('isoinfo lists Rock Ridge names with modes, Joliet names, and reads a file', async (t) => {
  const rr = (await run('isoinfo', ['-R', '-l', '-i', iso])).stdout
  t.match(rr, /^-rw-r--r-- .* ks\.cfg $/m)
  t.match(rr, /^-rw-r--r-- .* 300000 .* big\.bin $/m)
  t.match(rr, /^-rw------- .* ssh_host_ed25519_key $/m)
  t.match(rr, /^-rwxr-xr-x .* apply\.sh $/m)
  t.match(rr, /^drwxr-xr-x .* vmlab $/m)
  t.match(rr, /^Directory listing of \/a\/b\/c\/d\/e\/f\/g\/$/m)
  const joliet = (await run('isoinfo', ['-J', '-l', '-i', iso])).stdout
  t.match(joliet, / Mixed\.Case-Name\.v2\.TXT;1 $/m)
  t.match(joliet, / network-config;1 $/m)
  t.match(joliet, /^Directory listing of \/vmlab\/$/m)
  const ks = await run('isoinfo', ['-R', '-x', '/ks.cfg', '-i', iso])
  t.equal(ks.stdout, 'text\nreboot\n')
})

/**
 * What no installed tool checks but the Linux kernel needs (fs/isofs): SP first in the root's
 * '.' record and the RRIP ER entry reachable from it, or Linux mounts the Joliet tree instead;
 * continuation areas within one sector; records never across a sector boundary.
 */
t.test('Rock Ridge is laid out the way the Linux kernel reads it', async (t) => {
  type Entry = { signature: string; body: Buffer }
  const entriesOf = (systemUse: Buffer): Entry[] => {
    const found: Entry[] = []
    let rest = systemUse
    while (rest.length >= 4 && (rest[2] as number) >= 4) {
      const length = rest[2] as number
      const signature = rest.subarray(0, 2).toString('latin1')
      const body = rest.subarray(4, length)
      found.push({ signature, body })
      if (signature === 'CE') {
        const sector = body.readUInt32LE(0)
        const offset = body.readUInt32LE(8)
        const size = body.readUInt32LE(16)
        if (offset + size > 2048) t.fail(`continuation area crosses a sector: ${offset} + ${size}`)
        found.push(...entriesOf(image.subarray(sector * 2048 + offset, sector * 2048 + offset + size)))
      }
      rest = rest.subarray(length)
    }
    return found
  }
  const records: { isDir: boolean; sector: number; size: number; entries: Entry[] }[] = []
  const walk = (sector: number, size: number): void => {
    for (let s = sector; s < sector + size / 2048; s++) {
      for (let pos = 0; pos < 2048; ) {
        const at = s * 2048 + pos
        const length = image[at] as number
        if (length === 0) break
        if (pos + length > 2048) t.fail('a directory record crosses a sector boundary')
        const idLength = image[at + 32] as number
        const identifier = image.subarray(at + 33, at + 33 + idLength)
        const systemUse = image.subarray(at + 33 + idLength + (idLength % 2 === 0 ? 1 : 0), at + length)
        const record = {
          isDir: ((image[at + 25] as number) & 2) !== 0,
          sector: image.readUInt32LE(at + 2),
          size: image.readUInt32LE(at + 10),
          entries: entriesOf(systemUse),
        }
        records.push(record)
        // '.' and '..' (identifiers 0x00 and 0x01) point back up the tree.
        if (record.isDir && (idLength > 1 || (identifier[0] as number) > 1)) walk(record.sector, record.size)
        pos += length
      }
    }
  }
  const root = 16 * 2048 + 156
  walk(image.readUInt32LE(root + 2), image.readUInt32LE(root + 10))

  const rootSelf = records[0]
  t.equal(rootSelf?.entries[0]?.signature, 'SP', "SP is the first entry of the root's '.' record")
  t.same([...(rootSelf?.entries[0]?.body ?? [])], [0xbe, 0xef, 0])
  const er = rootSelf?.entries.find((e) => e.signature === 'ER')
  t.equal(er?.body.subarray(4, 4 + (er.body[0] as number)).toString('latin1'), 'RRIP_1991A')
  const has = (signature: string) => (r: { entries: Entry[] }) => r.entries.some((e) => e.signature === signature)
  t.ok(records.every(has('PX')), 'every record has PX')
  const directories = 10 // sizes, vmlab, many, a to g
  t.equal(records.filter(has('NM')).length, FILES.length + directories, 'files and directories have NM')
  t.ok(
    records.some((r) => has('CE')(r) && has('NM')(r)),
    'long names went to continuation areas',
  )
})

t.test('the same input gives the same bytes, whatever the order of the files', async (t) => {
  t.ok(buildIso({ volumeId: 'cidata', files: [...FILES].reverse(), date: DATE }).equals(image))
  const later = buildIso({ volumeId: 'cidata', files: FILES, date: new Date('2024-05-06T07:08:10Z') })
  t.notOk(later.equals(image), 'the date is part of the image')
})

t.test('a 32-character mixed-case label is kept exactly', async (t) => {
  const label = 'Lab-Disc_2024.05.06-abcdefghijkl'
  t.equal(label.length, 32)
  const file = join(work, 'long-label.iso')
  await writeFile(file, buildIso({ volumeId: label, files: [{ path: 'x', data: 'x' }], date: DATE }))
  t.equal((await run('blkid', ['-o', 'value', '-s', 'LABEL', file])).stdout, `${label}\n`)
  t.match((await run('isoinfo', ['-d', '-i', file])).stdout, new RegExp(`^Volume id: ${label}$`, 'm'))
})

t.test('an image without files is readable', async (t) => {
  const file = join(work, 'empty.iso')
  await writeFile(file, buildIso({ volumeId: 'OEMDRV', files: [], date: DATE }))
  t.equal((await run('blkid', ['-o', 'value', '-s', 'LABEL', file])).stdout, 'OEMDRV\n')
  const { stdout } = await run('xorriso', ['-indev', file, '-find', '/'])
  t.equal(stdout, "'/'\n")
})

t.test('bad volume ids are refused', async (t) => {
  for (const volumeId of ['', 'a'.repeat(33), 'with space', 'a/b', 'tab\t', 'ünïcode', 'semi;colon']) {
    t.throws(() => buildIso({ volumeId, files: [] }), InputError, JSON.stringify(volumeId))
  }
  t.doesNotThrow(() => buildIso({ volumeId: 'Ok_1.2-3', files: [] }))
})

t.test('bad paths and modes are refused with the path in the message', async (t) => {
  const refused: [IsoFile[], RegExp][] = [
    [[{ path: '/ks.cfg', data: '' }], /"\/ks\.cfg".*empty part/],
    [[{ path: 'a//b', data: '' }], /empty part/],
    [[{ path: 'dir/', data: '' }], /empty part/],
    [[{ path: '', data: '' }], /empty part/],
    [[{ path: '../x', data: '' }], /'\.\.' cannot/],
    [[{ path: 'a/./b', data: '' }], /'\.' cannot/],
    [[{ path: 'c:x', data: '' }], /control character or one of/],
    [[{ path: 'x;1', data: '' }], /control character or one of/],
    [[{ path: 'back\\slash', data: '' }], /control character or one of/],
    [[{ path: 'new\nline', data: '' }], /control character or one of/],
    [[{ path: 'lone\ud800', data: '' }], /well-formed/],
    [[{ path: 'y'.repeat(63), data: '' }], /longer than 62/],
    [[{ path: 'a/b/c/d/e/f/g/h/too-deep', data: '' }], /at most 7 nested/],
    [
      [
        { path: 'ks.cfg', data: '' },
        { path: 'ks.cfg', data: '' },
      ],
      /given twice/,
    ],
    [
      [
        { path: 'key', data: '' },
        { path: 'key/inside', data: '' },
      ],
      /'key' is also given as a file/,
    ],
    [
      [
        { path: 'dir/file', data: '' },
        { path: 'dir', data: '' },
      ],
      /"dir".*also a directory/,
    ],
    [[{ path: 'k', data: '', mode: 0o10000 }], /mode 4096/],
    [[{ path: 'k', data: '', mode: -1 }], /not a permission mode/],
    [[{ path: 'k', data: '', mode: 1.5 }], /not a permission mode/],
  ]
  for (const [files, message] of refused) {
    t.throws(() => buildIso({ volumeId: 'cidata', files }), InputError)
    t.throws(() => buildIso({ volumeId: 'cidata', files }), { message }, files.map((f) => f.path).join(', '))
  }
})

t.test('writeIsoFile replaces the file through a rename and leaves nothing behind', async (t) => {
  const dir = await mkdtemp(join(work, 'write-'))
  const target = join(dir, 'OEMDRV.iso')
  await writeIsoFile(target, { volumeId: 'OEMDRV', files: [{ path: 'ks.cfg', data: 'one\n' }], date: DATE })
  await writeIsoFile(target, { volumeId: 'OEMDRV', files: [{ path: 'ks.cfg', data: 'two\n' }], date: DATE })
  t.same(await readdir(dir), ['OEMDRV.iso'])
  const want = buildIso({ volumeId: 'OEMDRV', files: [{ path: 'ks.cfg', data: 'two\n' }], date: DATE })
  t.ok((await readFile(target)).equals(want))
  t.equal((await stat(target)).mode & 0o777, 0o600, 'owner only: discs carry password hashes and host keys')
  // A missing folder is made (the lab's media folder on a first run).
  await writeIsoFile(join(dir, 'media', 'x.iso'), { volumeId: 'OEMDRV', files: [] })
  t.same(await readdir(dir), ['OEMDRV.iso', 'media'])
  t.same(await readdir(join(dir, 'media')), ['x.iso'])
})
