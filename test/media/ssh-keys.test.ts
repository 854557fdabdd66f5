import t from 'tap'
import ssh2 from 'ssh2'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run } from '../../src/util/run.js'
import { fingerprintSha256, generateHostKeys, generateUserKey, knownHostsHost, knownHostsLine, writePrivateKey } from '../../src/media/ssh-keys.js'

const dir = await mkdtemp(join(tmpdir(), 'vmlab-sshkeys-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

t.test('host keys are ed25519 in OpenSSH format that ssh-keygen reads back', async (t) => {
  const keys = generateHostKeys('node1.localdomain')
  t.match(keys.ed25519.private, /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/)
  t.match(keys.ed25519.public, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\S+ root@node1\.localdomain$/)
  t.same(Object.keys(keys), ['ed25519'])

  const path = join(dir, 'ssh_host_ed25519_key')
  await writePrivateKey(path, keys.ed25519.private)
  const derived = await run('ssh-keygen', ['-y', '-f', path])
  // -y prints the key with the comment stored inside the private key.
  t.equal(derived.stdout.trim(), keys.ed25519.public)

  await writeFile(`${path}.pub`, `${keys.ed25519.public}\n`)
  const listed = await run('ssh-keygen', ['-l', '-f', `${path}.pub`])
  t.equal(listed.stdout.trim(), `256 ${fingerprintSha256(keys.ed25519.public)} root@node1.localdomain (ED25519)`)
  const fromPrivate = await run('ssh-keygen', ['-l', '-f', path])
  t.equal(fromPrivate.stdout.split(' ')[1], fingerprintSha256(keys.ed25519.public))
})

t.test('a key whose public half starts with a zero byte (1 in 256) still loads in OpenSSH and ssh2', async (t) => {
  // ssh2's own generator dropped that byte and broke one node's sshd in 256 ("error in libcrypto").
  let key = generateUserKey('zero')
  let tries = 1
  const firstByte = (k: typeof key) => Buffer.from(k.public.split(' ')[1]!, 'base64')[19]
  while (firstByte(key) !== 0 && tries < 20_000) {
    key = generateUserKey('zero')
    tries++
  }
  t.equal(firstByte(key), 0, `found one after ${tries} keys`)
  const blob = Buffer.from(key.public.split(' ')[1]!, 'base64')
  t.equal(blob.readUInt32BE(15), 32, 'the public key keeps its 32 bytes')
  const path = join(dir, 'zero-key')
  await writePrivateKey(path, key.private)
  t.equal((await run('ssh-keygen', ['-y', '-f', path])).stdout.trim(), key.public)
  const parsed = ssh2.utils.parseKey(key.private)
  t.notOk(parsed instanceof Error, 'ssh2 parses it')
  t.equal((parsed as ssh2.ParsedKey).getPublicSSH().toString('base64'), key.public.split(' ')[1])
})

t.test('many keys in a row are all well formed', async (t) => {
  for (let i = 0; i < 300; i++) {
    const k = generateUserKey(`k${i}`)
    const parsed = ssh2.utils.parseKey(k.private)
    if (parsed instanceof Error || (parsed as ssh2.ParsedKey).getPublicSSH().toString('base64') !== k.public.split(' ')[1]) {
      t.fail(`key ${i} does not round-trip: ${k.public}`)
      return
    }
  }
  t.pass('300 keys round-trip through ssh2')
})

t.test('two calls give different keys', async (t) => {
  const a = generateUserKey('vmlab')
  const b = generateUserKey('vmlab')
  t.not(a.public, b.public)
  t.not(a.private, b.private)
  t.match(a.public, /^ssh-ed25519 \S+ vmlab$/)
})

t.test('fingerprint matches ssh-keygen for a key ssh-keygen made', async (t) => {
  const path = join(dir, 'made-by-ssh-keygen')
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'x', '-f', path])
  const publicLine = await readFile(`${path}.pub`, 'utf8')
  const listed = await run('ssh-keygen', ['-l', '-f', `${path}.pub`])
  t.equal(listed.stdout.split(' ')[1], fingerprintSha256(publicLine))
  t.match(fingerprintSha256(publicLine), /^SHA256:[A-Za-z0-9+/]{43}$/)
  t.throws(() => fingerprintSha256('garbage'), /not an OpenSSH public key/)
})

t.test('known_hosts line is accepted by ssh-keygen -F', async (t) => {
  const { ed25519 } = generateHostKeys('master.localdomain')
  const hosts = ['master.localdomain', '10.0.0.10', knownHostsHost('127.0.0.1', 2201)]
  t.equal(knownHostsHost('h'), 'h')
  t.equal(knownHostsHost('127.0.0.1', 2201), '[127.0.0.1]:2201')
  const line = knownHostsLine(hosts, ed25519.public)
  t.equal(line, `master.localdomain,10.0.0.10,[127.0.0.1]:2201 ${ed25519.public.split(' ').slice(0, 2).join(' ')}`)
  const file = join(dir, 'known_hosts')
  await writeFile(file, `${line}\n`)
  for (const host of ['master.localdomain', '10.0.0.10', '[127.0.0.1]:2201']) {
    const found = await run('ssh-keygen', ['-F', host, '-f', file])
    t.match(found.stdout, line, `${host} is found`)
  }
  const missing = await run('ssh-keygen', ['-F', 'node1.localdomain', '-f', file], { reject: false })
  t.equal(missing.exitCode, 1)
  t.throws(() => knownHostsLine([], ed25519.public))
})

t.test('writePrivateKey creates 0600 even with a lax umask and over a 0644 file', async (t) => {
  const path = join(dir, 'id_test')
  await writeFile(path, 'old', { mode: 0o644 })
  const old = process.umask(0o000)
  try {
    await writePrivateKey(path, 'PEM\n')
  } finally {
    process.umask(old)
  }
  t.equal((await stat(path)).mode & 0o777, 0o600)
  t.equal(await readFile(path, 'utf8'), 'PEM\n')
  // A missing folder is made private too.
  await writePrivateKey(join(dir, 'new-dir', 'k'), 'x')
  t.equal((await stat(join(dir, 'new-dir'))).mode & 0o777, 0o700)
  t.equal((await stat(join(dir, 'new-dir', 'k'))).mode & 0o777, 0o600)
})
