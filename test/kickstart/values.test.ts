import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ksQuote, shQuote } from '../../src/kickstart/quote.js'
import { splitKickstartLine } from '../../src/kickstart/shlex.js'
import { isFqdn, isIPv4, isMac, isNetmask, isSshPublicKey, prefixToNetmask, sameSubnet } from '../../src/kickstart/values.js'
import { run } from '../../src/util/run.js'

t.test('IPv4 addresses and netmasks', async (t) => {
  for (const ok of ['0.0.0.0', '192.168.56.10', '255.255.255.255']) t.ok(isIPv4(ok), ok)
  for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', ' 1.2.3.4', 'a.b.c.d']) t.notOk(isIPv4(bad), bad)
  t.equal(prefixToNetmask(24), '255.255.255.0')
  t.equal(prefixToNetmask(8), '255.0.0.0')
  t.equal(prefixToNetmask(30), '255.255.255.252')
  t.equal(prefixToNetmask(32), '255.255.255.255')
  for (let p = 1; p <= 32; p++) t.ok(isNetmask(prefixToNetmask(p)), `/${p}`)
  for (const bad of ['255.0.255.0', '0.0.0.0', '255.255.255.1', '24']) t.notOk(isNetmask(bad), bad)
  t.ok(sameSubnet('192.168.56.10', '192.168.56.1', '255.255.255.0'))
  t.notOk(sameSubnet('192.168.56.10', '192.168.57.1', '255.255.255.0'))
  t.ok(sameSubnet('10.200.3.4', '10.1.1.1', '255.0.0.0'))
})

t.test('host names and MACs', async (t) => {
  for (const ok of ['master.localdomain', 'node-1.lab.example', 'a.b', `${'x'.repeat(63)}.lab`]) t.ok(isFqdn(ok), ok)
  for (const bad of ['master', 'a..b', '-a.b', 'a-.b', 'a_b.lab', `${'x'.repeat(64)}.lab`, 'host.123', 'master.localdomain.']) {
    t.notOk(isFqdn(bad), bad)
  }
  t.ok(isMac('08:00:27:AA:bb:0c'))
  t.notOk(isMac('08-00-27-aa-bb-0c'))
  t.notOk(isMac('08:00:27:aa:bb'))
})

t.test('OpenSSH public keys as ssh-keygen writes them; cut or wrapped ones are refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vmlab-keys-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  for (const [type, bits] of [
    ['ed25519', []],
    ['rsa', ['-b', '2048']],
    ['ecdsa', ['-b', '384']],
  ] as const) {
    const file = join(dir, type)
    await run('ssh-keygen', ['-q', '-t', type, ...bits, '-N', '', '-C', 'teacher@classroom', '-f', file])
    const key = (await readFile(`${file}.pub`, 'utf8')).trim()
    t.ok(isSshPublicKey(key), type)
    t.ok(isSshPublicKey(key.replace(/ teacher@classroom$/, '')), `${type} without comment`)
    const [kind, blob] = key.split(' ') as [string, string]
    t.notOk(isSshPublicKey(`${kind} ${blob.slice(0, -8)}`), `${type} cut`)
    t.notOk(isSshPublicKey(`${kind} ${blob.slice(0, 40)}\n${blob.slice(40)}`), `${type} wrapped`)
    t.notOk(isSshPublicKey(`ssh-dss ${blob}`), `${type} with the wrong type word`)
  }
  t.notOk(isSshPublicKey('not a key'))
})

t.test('ksQuote: shlex reads back exactly what was quoted', async (t) => {
  for (const v of ['plain', '$6$salt$hash./', 'with space', 'pass#word', `it's "quoted" \\ back`, '', "'", 'a=b,c']) {
    const split = splitKickstartLine(`cmd --opt=${ksQuote(v)} ${ksQuote(v)}`)
    t.same(split.words, ['cmd', `--opt=${v}`, v], JSON.stringify(v))
  }
  t.equal(ksQuote('us'), 'us')
  t.throws(() => ksQuote('two\nlines'))
})

t.test('shQuote: bash reads back exactly what was quoted', async (t) => {
  const values = ["it's", '$HOME `id` "x" \\n', '', 'a b']
  const script = values.map((v) => `printf '%s\\0' ${shQuote(v)}`).join('\n')
  const { stdout } = await run('bash', ['-c', script])
  t.same(stdout.split('\0').slice(0, -1), values)
})
