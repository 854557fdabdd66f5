import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { run } from '../../src/util/run.js'
import { LabError } from '../../src/util/errors.js'
import { GuestSession } from '../../src/guest/session.js'
import { PLAIN_USER, startSshd, SUDO_USER } from '../helpers/sshd.js'

const sshd = await startSshd(t)
const connect = (user: string, log?: (line: string) => void): Promise<GuestSession> =>
  GuestSession.connect({
    name: 'node1',
    host: sshd.host,
    port: sshd.port,
    user,
    privateKey: sshd.userKey.private,
    hostKey: sshd.hostKey.public,
    ...(log ? { log } : {}),
  })
const logged: string[] = []
const root = await connect('root', (l) => logged.push(l))
const sudoer = await connect(SUDO_USER)
t.teardown(() => {
  root.close()
  sudoer.close()
})

// The sshd runs on this machine, so the "remote" files are local ones.
const area = `/srv/vmlab-transfer-${sshd.port}`
await mkdir(area, { recursive: true, mode: 0o755 })
t.teardown(() => rm(area, { recursive: true, force: true }))

const sha = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')
const idOf = async (flag: '-u' | '-g', name: string): Promise<number> => Number((await run('id', [flag, name])).stdout.trim())

t.test('a binary file goes up and comes back byte for byte, with mode 0600 and owner', async (t) => {
  const data = randomBytes(3 * 1024 * 1024 + 17)
  const path = join(area, 'blob.bin')
  logged.length = 0
  await root.upload(path, data, { mode: 0o600, owner: SUDO_USER, group: PLAIN_USER })
  const local = await readFile(path)
  t.equal(sha(local), sha(data))
  const st = await stat(path)
  t.equal(st.mode & 0o7777, 0o600)
  t.equal(st.uid, await idOf('-u', SUDO_USER))
  t.equal(st.gid, await idOf('-g', PLAIN_USER))
  t.equal(sha(await root.download(path)), sha(data))
  t.ok(logged.includes(`node1: upload ${path} (${data.length} bytes, mode 0600, owner ${SUDO_USER}:${PLAIN_USER})`))
})

t.test('the mode is exact, whatever the umask', async (t) => {
  const path = join(area, 'script.sh')
  await root.upload(path, '#!/bin/sh\necho hi\n', { mode: 0o775 })
  t.equal((await stat(path)).mode & 0o7777, 0o775)
  t.equal((await root.exec([path])).stdout, 'hi\n')
})

t.test('replacing a file is atomic: readers see the old or the new content, never a part', async (t) => {
  const path = join(area, 'atomic.conf')
  const old = Buffer.alloc(4 * 1024 * 1024, 'o')
  const next = Buffer.alloc(4 * 1024 * 1024, 'n')
  await writeFile(path, old)
  const inodeBefore = (await stat(path)).ino
  const seen = new Set<string>()
  let uploading = true
  const reader = (async () => {
    while (uploading) seen.add(sha(await readFile(path)))
  })()
  await root.upload(path, next, { mode: 0o644 })
  uploading = false
  await reader
  t.ok(
    [...seen].every((h) => h === sha(old) || h === sha(next)),
    `${seen.size} distinct contents seen, all whole`,
  )
  t.equal(sha(await readFile(path)), sha(next))
  t.not((await stat(path)).ino, inodeBefore, 'a new file was renamed into place')
  t.same(
    (await readdir(area)).filter((n) => n.includes('vmlab-')),
    [],
    'no temporary file left',
  )
})

t.test('a failed upload leaves no temporary file and says what went wrong', async (t) => {
  const dir = join(area, 'is-a-dir')
  await mkdir(dir)
  const error = await root.upload(dir, 'x', { mode: 0o644 }).catch((e: unknown) => e)
  t.type(error, LabError)
  t.match((error as Error).message, new RegExp(`^node1: cannot rename ${area}/\\.is-a-dir\\.vmlab-[0-9a-f]+ to ${dir}: `))
  t.same(
    (await readdir(area)).filter((n) => n.includes('vmlab-')),
    [],
  )
  const missing = await root.upload(join(area, 'no/such/dir/f'), 'x', { mode: 0o644 }).catch((e: unknown) => e)
  t.match((missing as Error).message, /^node1: cannot write .*no\/such\/dir\/\.f\.vmlab-[0-9a-f]+: No such file/)
  await t.rejects(root.upload('relative/path', 'x', { mode: 0o644 }), { message: /absolute file path/ })
  await t.rejects(root.upload(join(area, 'f'), 'x', { mode: 0o10000 }), { message: /not a file mode/ })
})

t.test('a non-root user uploads into root-owned places through sudo install', async (t) => {
  const path = join(area, 'owned-by-root.conf')
  const before = (await readdir('/tmp')).filter((n) => n.startsWith('.vmlab-upload-'))
  await sudoer.upload(path, 'server 10.0.0.1 iburst\n', { mode: 0o640, group: PLAIN_USER })
  t.equal(await readFile(path, 'utf8'), 'server 10.0.0.1 iburst\n')
  const st = await stat(path)
  t.equal(st.mode & 0o7777, 0o640)
  t.equal(st.uid, 0)
  t.equal(st.gid, await idOf('-g', PLAIN_USER))
  t.same(
    (await readdir('/tmp')).filter((n) => n.startsWith('.vmlab-upload-')),
    before,
    'the staging file is removed',
  )
  t.same(
    (await readdir(area)).filter((n) => n.includes('vmlab-')),
    [],
  )
  const denied = await sudoer.upload(path, 'x', { mode: 0o644, sudo: false }).catch((e: unknown) => e)
  t.match((denied as Error).message, /^node1: cannot write .*: Permission denied/, 'without sudo the user cannot write there')
})

t.test('download of a missing file names it', async (t) => {
  await t.rejects(root.download(join(area, 'missing')), { message: `node1: cannot read ${area}/missing: No such file` })
})
