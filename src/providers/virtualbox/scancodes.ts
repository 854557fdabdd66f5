/**
 * Typing at a boot menu through `controlvm VM keyboardputscancode`: PC scan code set 1 for a US layout,
 * each key as its make code then its break code (make | 0x80); arrow keys are the E0-prefixed
 * extended codes; a shifted character is wrapped in left-Shift make/break.
 */
import { InputError } from '../../util/errors.js'

/** The keys a boot menu needs besides text. */
export type SpecialKey = 'enter' | 'tab' | 'up'

const SPECIAL: Record<SpecialKey, number[]> = {
  tab: [0x0f],
  enter: [0x1c],
  up: [0xe0, 0x48],
}

const LEFT_SHIFT = 0x2a

/** Keys of the US layout by scan code: unshifted, then shifted character. */
const ROWS: Array<[number, string, string]> = [
  [0x02, '1234567890-=', '!@#$%^&*()_+'],
  [0x10, 'qwertyuiop[]', 'QWERTYUIOP{}'],
  [0x1e, "asdfghjkl;'`", 'ASDFGHJKL:"~'],
  [0x2b, '\\zxcvbnm,./', '|ZXCVBNM<>?'],
  [0x39, ' ', ' '],
]

const CHARS = new Map<string, { code: number; shift: boolean }>()
for (const [first, plain, shifted] of ROWS) {
  for (const [i, c] of [...plain].entries()) CHARS.set(c, { code: first + i, shift: false })
  for (const [i, c] of [...shifted].entries()) if (!CHARS.has(c)) CHARS.set(c, { code: first + i, shift: true })
}

function hex(bytes: number[]): string[] {
  return bytes.map((b) => b.toString(16).padStart(2, '0'))
}

/** Make and break codes of a special key. */
export function keyScancodes(key: SpecialKey): string[] {
  const make = SPECIAL[key]
  const brk = make.length === 2 ? [make[0]!, make[1]! | 0x80] : [make[0]! | 0x80]
  return hex([...make, ...brk])
}

/** Scan codes that type `text`; refuses characters a US keyboard cannot type. */
export function textScancodes(text: string): string[] {
  const bytes: number[] = []
  for (const c of text) {
    const key = CHARS.get(c)
    if (!key) throw new InputError(`cannot type ${JSON.stringify(c)} at the boot menu`, 'use printable ASCII characters only')
    if (key.shift) bytes.push(LEFT_SHIFT)
    bytes.push(key.code, key.code | 0x80)
    if (key.shift) bytes.push(LEFT_SHIFT | 0x80)
  }
  return hex(bytes)
}
