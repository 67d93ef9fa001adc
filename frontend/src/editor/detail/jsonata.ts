// JSONata for the expression editor: its functions with their signatures (what completion
// offers), a highlighter for `{{ }}` templates and whole JSONata fields, and the completion
// source over the paths of the data the node would see.
import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete'
import { StreamLanguage, type StreamParser } from '@codemirror/language'

/** JSONata's functions: [name, signature, what it does]. */
export const FUNCTIONS: [string, string, string][] = [
  ['$string', '(value, prettify?)', 'the value as a string'],
  ['$length', '(str)', 'number of characters'],
  ['$substring', '(str, start, length?)', 'part of a string'],
  ['$substringBefore', '(str, chars)', 'the part before chars'],
  ['$substringAfter', '(str, chars)', 'the part after chars'],
  ['$uppercase', '(str)', 'in capitals'],
  ['$lowercase', '(str)', 'in small letters'],
  ['$trim', '(str)', 'without surrounding spaces'],
  ['$pad', '(str, width, char?)', 'padded to width'],
  ['$contains', '(str, pattern)', 'true when found'],
  ['$split', '(str, separator, limit?)', 'a list of parts'],
  ['$join', '(array, separator?)', 'the strings joined'],
  ['$match', '(str, pattern, limit?)', 'regex matches'],
  ['$replace', '(str, pattern, replacement, limit?)', 'with replacements'],
  ['$base64encode', '(str)', 'Base64 of a string'],
  ['$base64decode', '(str)', 'a string from Base64'],
  ['$encodeUrlComponent', '(str)', 'escaped for a URL component'],
  ['$encodeUrl', '(str)', 'escaped for a URL'],
  ['$number', '(arg)', 'a number from a string or boolean'],
  ['$abs', '(number)', 'absolute value'],
  ['$floor', '(number)', 'rounded down'],
  ['$ceil', '(number)', 'rounded up'],
  ['$round', '(number, precision?)', 'rounded half to even'],
  ['$power', '(base, exponent)', 'base to the power'],
  ['$sqrt', '(number)', 'square root'],
  ['$random', '()', 'a number in [0, 1)'],
  ['$formatNumber', '(number, picture, options?)', 'a number as text'],
  ['$formatBase', '(number, radix?)', 'a number in a base'],
  ['$sum', '(array)', 'total of the numbers'],
  ['$max', '(array)', 'largest number'],
  ['$min', '(array)', 'smallest number'],
  ['$average', '(array)', 'mean of the numbers'],
  ['$boolean', '(arg)', 'the value as true or false'],
  ['$not', '(arg)', 'the opposite boolean'],
  ['$exists', '(arg)', 'true when the value is defined'],
  ['$count', '(array)', 'number of items'],
  ['$append', '(array1, array2)', 'two lists as one'],
  ['$sort', '(array, function?)', 'sorted'],
  ['$reverse', '(array)', 'in reverse order'],
  ['$shuffle', '(array)', 'in random order'],
  ['$distinct', '(array)', 'without duplicates'],
  ['$zip', '(array1, ...)', 'lists combined item by item'],
  ['$keys', '(object)', 'the keys'],
  ['$lookup', '(object, key)', 'the value of a key'],
  ['$spread', '(object)', 'one object per key'],
  ['$merge', '(array<object>)', 'objects merged'],
  ['$sift', '(object, function)', 'the entries that pass'],
  ['$each', '(object, function)', 'a function over each entry'],
  ['$error', '(message)', 'fails with the message'],
  ['$assert', '(condition, message)', 'fails unless the condition holds'],
  ['$type', '(value)', 'the type name'],
  ['$map', '(array, function)', 'a function over each item'],
  ['$filter', '(array, function)', 'the items that pass'],
  ['$single', '(array, function?)', 'the one item that passes'],
  ['$reduce', '(array, function, init?)', 'folded into one value'],
  ['$now', '(picture?, timezone?)', 'the time now, ISO 8601'],
  ['$millis', '()', 'milliseconds since the epoch'],
  ['$fromMillis', '(number, picture?, timezone?)', 'a time from milliseconds'],
  ['$toMillis', '(timestamp, picture?)', 'milliseconds from a time'],
]

const KEYWORDS = new Set(['and', 'or', 'in', 'true', 'false', 'null'])

/** Tokens for highlighting: the template text outside `{{ }}` is plain; inside (or in a
 * whole JSONata field) names, functions, strings, numbers, operators and comments. */
function parser(template: boolean): StreamParser<{ inside: boolean }> {
  return {
    startState: () => ({ inside: !template }),
    token(stream, state) {
      if (template && !state.inside) {
        if (stream.match('{{')) {
          state.inside = true
          return 'brace'
        }
        while (!stream.eol() && !stream.match('{{', false)) stream.next()
        return null
      }
      if (template && stream.match('}}')) {
        state.inside = false
        return 'brace'
      }
      if (stream.eatSpace()) return null
      if (stream.match('/*')) {
        while (!stream.eol() && !stream.match('*/')) stream.next()
        return 'comment'
      }
      if (stream.match(/^"(?:[^"\\]|\\.)*"?/) || stream.match(/^'(?:[^'\\]|\\.)*'?/)) return 'string'
      if (stream.match(/^-?\d+(\.\d+)?([eE][+-]?\d+)?/)) return 'number'
      if (stream.match(/^\$[A-Za-z_][A-Za-z0-9_]*/)) return stream.peek() === '(' ? 'function' : 'variableName'
      if (stream.match(/^`[^`]*`?/)) return 'propertyName'
      if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) return KEYWORDS.has(stream.current()) ? 'keyword' : 'propertyName'
      stream.next()
      return 'operator'
    },
  }
}

export const templateLanguage = StreamLanguage.define(parser(true))
export const jsonataLanguage = StreamLanguage.define(parser(false))

const FUNCTION_OPTIONS: Completion[] = FUNCTIONS.map(([name, signature, info]) => ({
  label: name,
  type: 'function',
  detail: signature,
  info,
  apply: `${name}(`,
}))

/** Completions at the cursor: a JSONata function after `$`, else the paths of the data
 * (`paths`: every field, each with its type) that continue what is typed. Inside a template
 * only between `{{` and `}}`. */
export function completionSource(paths: () => { path: string; type: string }[], template: boolean) {
  return (context: CompletionContext): CompletionResult | null => {
    if (template) {
      const before = context.state.sliceDoc(0, context.pos)
      if (before.lastIndexOf('{{') <= before.lastIndexOf('}}')) return null
    }
    const fn = context.matchBefore(/\$[A-Za-z0-9_]*/)
    if (fn) return { from: fn.from, options: FUNCTION_OPTIONS, validFor: /^\$[A-Za-z0-9_]*$/ }
    const word = context.matchBefore(/[A-Za-z_][A-Za-z0-9_.`]*/)
    if (!word && !context.explicit) return null
    const from = word?.from ?? context.pos
    const typed = word?.text ?? ''
    const options: Completion[] = []
    for (const { path, type } of paths()) {
      if (!path.startsWith(typed)) continue
      // Offer the next step of the path, and the whole path too (the deepest first in the list).
      options.push({ label: path, type: type === 'object' || type === 'array' ? 'namespace' : 'property', detail: type })
    }
    return { from, options, validFor: /^[A-Za-z0-9_.`]*$/ }
  }
}
