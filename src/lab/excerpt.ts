/**
 * How a problem quotes what the lab file says: a value of 100 KB would otherwise fill the terminal (once in
 * the path, once in the message), and a line break in it would break the one-problem-per-line layout.
 */
export const EXCERPT_CHARS = 60

export function excerpt(text: string, max = EXCERPT_CHARS): string {
  let head = text.length > max ? text.slice(0, max) : text
  // Never cut a character made of two UTF-16 units in half.
  if (head.length < text.length && /[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1)
  const visible = /[\u0000-\u001f\u007f\u2028\u2029]/.test(head) ? JSON.stringify(head).slice(1, -1) : head
  return head.length < text.length ? `${visible}… (${text.length} characters)` : visible
}
