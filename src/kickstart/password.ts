import { randomBytes } from 'node:crypto'
import { encrypt } from 'unixcrypt'
import { InputError } from '../util/errors.js'

/**
 * SHA-512-crypt (`$6$`) is the one hash format that EL7, EL8 and EL9 all accept in
 * `rootpw --iscrypted` and `user --iscrypted` (yescrypt `$y$` does not work on EL7).
 */

const SALT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

export function randomSalt(): string {
  // 64 symbols: the low 6 bits of a random byte pick one without bias
  return [...randomBytes(16)].map((b) => SALT_ALPHABET[b & 63]).join('')
}

/** `$6$SALT$HASH` of a password (UTF-8 bytes, as glibc/openssl hash them). */
export function sha512Crypt(password: string, salt: string = randomSalt()): string {
  if (!/^[./0-9A-Za-z]{1,16}$/.test(salt)) {
    throw new InputError(`invalid SHA-512-crypt salt "${salt}"`, 'a salt is 1 to 16 characters from [./0-9A-Za-z]; leave it out to get a random one')
  }
  if (password.includes('\0')) throw new InputError('a password cannot contain a NUL character')
  return encrypt(password, `$6$${salt}`)
}

const HASH = /^\$6\$(?:rounds=([0-9]+)\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$/

export function isSha512CryptHash(s: string): boolean {
  const m = HASH.exec(s)
  if (!m) return false
  if (m[1] === undefined) return true
  const rounds = Number(m[1])
  // glibc clamps the count into this range, so a hash naming another was not written by it
  return rounds >= 1000 && rounds <= 999_999_999
}

/** No 0/O, 1/l/I: passwords that get read aloud in a classroom or copied from a projector. */
const READABLE = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'

function randomIndex(n: number): number {
  // rejection sampling keeps every symbol equally likely
  const limit = 256 - (256 % n)
  for (;;) {
    const b = randomBytes(1)[0] as number
    if (b < limit) return b % n
  }
}

/** Four groups of five readable characters joined by dashes (23 chars, ~116 bits). */
export function generatePassword(): string {
  const groups: string[] = []
  for (let g = 0; g < 4; g++) {
    let group = ''
    for (let i = 0; i < 5; i++) group += READABLE[randomIndex(READABLE.length)]
    groups.push(group)
  }
  return groups.join('-')
}
