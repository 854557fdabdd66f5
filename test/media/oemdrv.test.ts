import t from 'tap'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { oemdrvIso, writeOemdrvIso } from '../../src/media/oemdrv.js'
import { InputError } from '../../src/util/errors.js'
import { run } from '../../src/util/run.js'

const KICKSTART = `#version=RHEL9
text --non-interactive
lang en_US.UTF-8
rootpw --iscrypted $6$salt$3aEJgflnzWuw1O3tr0IYSmhUY0cZ7iBQeBP392T7RXjLP3TKKu3ddIapQaCpbD4p9ioe
poweroff
%post
echo done > /root/ks-done
%end
`
const DATE = new Date('2024-05-06T07:08:09Z')

const work = await mkdtemp(join(tmpdir(), 'oemdrv-test-'))
t.teardown(() => rm(work, { recursive: true, force: true }))

t.test('Anaconda finds ks.cfg at the root of a disc labelled OEMDRV', async (t) => {
  const iso = join(work, 'oemdrv.iso')
  await writeFile(iso, oemdrvIso(KICKSTART, { date: DATE }))
  t.equal((await run('blkid', ['-o', 'value', '-s', 'LABEL', iso])).stdout, 'OEMDRV\n')
  t.equal((await run('blkid', ['-o', 'value', '-s', 'TYPE', iso])).stdout, 'iso9660\n')
  t.match((await run('isoinfo', ['-d', '-i', iso])).stdout, /^Volume id: OEMDRV$/m)
  // Rock Ridge keeps the name lower-case, which is what Linux shows when it mounts the disc.
  const listing = (await run('isoinfo', ['-R', '-l', '-i', iso])).stdout
  t.match(listing, /^-rw-r--r-- .* ks\.cfg $/m)
  t.equal((await run('isoinfo', ['-R', '-x', '/ks.cfg', '-i', iso])).stdout, KICKSTART)
  const { stdout } = await run('xorriso', ['-indev', iso, '-find', '/', '-type', 'f'])
  t.equal(stdout, "'/ks.cfg'\n", 'nothing else on the disc')
})

t.test('the same kickstart and date give the same bytes', async (t) => {
  t.ok(oemdrvIso(KICKSTART, { date: DATE }).equals(oemdrvIso(KICKSTART, { date: DATE })))
  t.notOk(oemdrvIso(KICKSTART, { date: DATE }).equals(oemdrvIso(`${KICKSTART}# changed\n`, { date: DATE })))
})

t.test('CRLF line endings are refused with the line and the fix', async (t) => {
  const crlf = KICKSTART.replace(/\n/g, '\r\n')
  t.throws(() => oemdrvIso(crlf), InputError)
  t.throws(() => oemdrvIso(crlf), {
    message: /CRLF \(Windows\) line endings \(first at line 1\)/,
    hint: /LF line endings/,
  })
  const oneLine = KICKSTART.replace('poweroff\n', 'poweroff\r\n')
  t.throws(() => oemdrvIso(oneLine), { message: /first at line 5/ })
})

t.test('a byte-order mark is refused', async (t) => {
  t.throws(() => oemdrvIso(`\uFEFF${KICKSTART}`), InputError)
  t.throws(() => oemdrvIso(`\uFEFF${KICKSTART}`), { message: /byte-order mark/, hint: /without BOM/ })
})

t.test('writeOemdrvIso writes the same image to a file', async (t) => {
  const dir = await mkdtemp(join(work, 'write-'))
  const target = join(dir, 'oemdrv.iso')
  await writeOemdrvIso(target, KICKSTART, { date: DATE })
  t.ok((await readFile(target)).equals(oemdrvIso(KICKSTART, { date: DATE })))
  t.same(await readdir(dir), ['oemdrv.iso'])
  await t.rejects(writeOemdrvIso(target, 'text\r\n'), InputError)
  const unchanged = (await readFile(target)).equals(oemdrvIso(KICKSTART, { date: DATE }))
  t.ok(unchanged, 'a refused kickstart leaves the old disc')
})
