// A tiny, strict XML well-formedness checker for the SVG tests (no dependencies).

/** A parsed element. */
export interface XmlElement {
  readonly name: string
  readonly attrs: Record<string, string>
  readonly children: XmlElement[]
  /** Text content directly inside, entities decoded. */
  text: string
}

const NAME = /^[A-Za-z_][\w.:-]*/
const ENTITY = /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/

function decode(raw: string, where: number): string {
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!
    if (c === '<') throw new Error(`raw '<' in text at ${where + i}`)
    if (c !== '&') {
      out += c
      continue
    }
    const m = ENTITY.exec(raw.slice(i))
    if (!m) throw new Error(`bad entity at ${where + i}: ${raw.slice(i, i + 10)}`)
    const e = m[1]!
    out += e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
    i += m[0].length - 1
  }
  return out
}

/**
 * Parses an XML document with a single root element, throwing on any well-formedness error
 * (unbalanced or mismatched tags, unquoted or duplicate attributes, bad entities, raw `<` or `&`).
 */
export function parseXml(source: string): XmlElement {
  let i = 0
  const stack: XmlElement[] = []
  let root: XmlElement | undefined
  const skipSpace = (): void => {
    while (i < source.length && /\s/.test(source[i]!)) i++
  }
  skipSpace()
  if (source.startsWith('<?xml', i)) {
    const end = source.indexOf('?>', i)
    if (end < 0) throw new Error('unterminated XML declaration')
    i = end + 2
  }
  while (i < source.length) {
    const lt = source.indexOf('<', i)
    const textEnd = lt < 0 ? source.length : lt
    const raw = source.slice(i, textEnd)
    if (raw.trim() !== '') {
      if (stack.length === 0) throw new Error(`text outside the root element at ${i}: ${raw.slice(0, 20)}`)
      stack[stack.length - 1]!.text += decode(raw, i)
    } else if (raw.includes('&')) decode(raw, i)
    if (lt < 0) break
    i = lt
    if (source.startsWith('<!--', i)) {
      const end = source.indexOf('-->', i)
      if (end < 0) throw new Error('unterminated comment')
      i = end + 3
      continue
    }
    if (source[i + 1] === '/') {
      i += 2
      const m = NAME.exec(source.slice(i))
      if (!m) throw new Error(`bad closing tag at ${i}`)
      i += m[0].length
      skipSpace()
      if (source[i] !== '>') throw new Error(`bad closing tag </${m[0]} at ${i}`)
      i++
      const open = stack.pop()
      if (!open || open.name !== m[0]) throw new Error(`closing </${m[0]}> does not match <${open?.name ?? '(none)'}>`)
      continue
    }
    i++
    const m = NAME.exec(source.slice(i))
    if (!m) throw new Error(`bad tag name at ${i}`)
    i += m[0].length
    const element: XmlElement = { name: m[0], attrs: {}, children: [], text: '' }
    for (;;) {
      const before = i
      skipSpace()
      if (source.startsWith('/>', i)) {
        i += 2
        break
      }
      if (source[i] === '>') {
        i++
        stack.push(element)
        break
      }
      if (i === before) throw new Error(`missing space before attribute at ${i} in <${element.name}>`)
      const a = NAME.exec(source.slice(i))
      if (!a) throw new Error(`bad attribute at ${i} in <${element.name}>: ${source.slice(i, i + 20)}`)
      i += a[0].length
      if (source[i] !== '=') throw new Error(`attribute ${a[0]} without a value in <${element.name}>`)
      const quote = source[i + 1]
      if (quote !== '"' && quote !== "'") throw new Error(`unquoted attribute ${a[0]} in <${element.name}>`)
      const end = source.indexOf(quote, i + 2)
      if (end < 0) throw new Error(`unterminated attribute ${a[0]}`)
      if (a[0] in element.attrs) throw new Error(`duplicate attribute ${a[0]} in <${element.name}>`)
      element.attrs[a[0]] = decode(source.slice(i + 2, end), i + 2)
      i = end + 1
    }
    const parent = stack[stack.length - (stack[stack.length - 1] === element ? 2 : 1)]
    if (parent) parent.children.push(element)
    else if (root) throw new Error(`second root element <${element.name}>`)
    else root = element
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`)
  if (!root) throw new Error('no root element')
  return root
}

/** Every element of the tree, depth first. */
export function allElements(root: XmlElement): XmlElement[] {
  const out: XmlElement[] = [root]
  for (const c of root.children) out.push(...allElements(c))
  return out
}

/** The text of every `<text>` element. */
export function texts(root: XmlElement): string[] {
  return allElements(root)
    .filter((e) => e.name === 'text')
    .map((e) => e.text)
}
