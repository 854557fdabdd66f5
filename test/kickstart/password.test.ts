import t from 'tap'
import { run } from '../../src/util/run.js'
import { InputError } from '../../src/util/errors.js'
import { generatePassword, isSha512CryptHash, randomSalt, sha512Crypt } from '../../src/kickstart/password.js'

t.test('SHA-512-crypt test vector from the algorithm spec', async (t) => {
  t.equal(sha512Crypt('pass', 'salt'), '$6$salt$3aEJgflnzWuw1O3tr0IYSmhUY0cZ7iBQeBP392T7RXjLP3TKKu3ddIapQaCpbD4p9ioeGaVIjOHaym7HvCuUm0')
})

t.test('same hashes as openssl passwd -6, non-ASCII included', async (t) => {
  const cases: [string, string][] = [
    ['correct horse battery staple', 'abcdefgh12345678'],
    ['pässwörd€ 日本', 'Xy./09az'],
    ['p#ss$w`rd"\'', 'a'],
  ]
  for (const [password, salt] of cases) {
    const { stdout } = await run('openssl', ['passwd', '-6', '-salt', salt, password])
    t.equal(sha512Crypt(password, salt), stdout.trim(), `password ${JSON.stringify(password)}`)
  }
})

t.test('empty password: same as glibc crypt(3) (openssl prints <NULL> for it)', async (t) => {
  t.equal(sha512Crypt('', 'emptypw'), '$6$emptypw$TWmzQ8/uLn1BFSZ5Lkfum8lAba5vixF9Nl3Aiof.Praatq9nh0kkPuTdoVrIL6du0L6LAoadbPq.q.D7keveg/')
})

t.test('random salt by default, verifiable by openssl', async (t) => {
  const hash = sha512Crypt('secret')
  t.ok(isSha512CryptHash(hash))
  const salt = hash.split('$')[2] as string
  t.match(salt, /^[./0-9A-Za-z]{16}$/)
  const { stdout } = await run('openssl', ['passwd', '-6', '-salt', salt, 'secret'])
  t.equal(stdout.trim(), hash)
})

t.test('bad salts are refused', async (t) => {
  t.throws(() => sha512Crypt('x', 'with space'), InputError)
  t.throws(() => sha512Crypt('x', 'a'.repeat(17)), InputError)
  t.throws(() => sha512Crypt('x', ''), InputError)
  t.throws(() => sha512Crypt('x', 'sa$lt'), InputError)
})

t.test('randomSalt: 16 chars of the crypt alphabet, different each time', async (t) => {
  const salts = new Set(Array.from({ length: 50 }, randomSalt))
  t.equal(salts.size, 50)
  for (const s of salts) t.match(s, /^[./0-9A-Za-z]{16}$/)
})

t.test('generatePassword: readable, at least 16 chars, different each time', async (t) => {
  const passwords = new Set(Array.from({ length: 50 }, generatePassword))
  t.equal(passwords.size, 50)
  for (const p of passwords) {
    t.ok(p.length >= 16, p)
    t.match(p, /^[a-km-zA-HJ-NP-Z2-9]{5}(-[a-km-zA-HJ-NP-Z2-9]{5}){3}$/)
  }
})

t.test('isSha512CryptHash', async (t) => {
  const good = sha512Crypt('pass', 'salt')
  t.ok(isSha512CryptHash(good))
  t.ok(isSha512CryptHash(good.replace('$6$salt$', '$6$rounds=10000$salt$')))
  t.notOk(isSha512CryptHash(good.replace('$6$salt$', '$6$rounds=999$salt$')))
  t.notOk(isSha512CryptHash(good.replace('$6$', '$5$')))
  t.notOk(isSha512CryptHash(good.slice(0, -1)))
  t.notOk(isSha512CryptHash(`${good}x`))
  t.notOk(isSha512CryptHash('$1$salt$qJH7.N4xYta3aEG/dfqo/0'))
  t.notOk(isSha512CryptHash('$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7'))
  t.notOk(isSha512CryptHash('plaintext'))
})
