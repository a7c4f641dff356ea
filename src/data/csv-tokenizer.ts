/**
 * The text layer of CSV import: bytes or text in, records out, each field placed by line and
 * column as a text editor shows them. Knows nothing of headers, numbers or targets (src/data/csv.ts
 * shapes the records into a dataset).
 *
 * Format: comma-separated, UTF-8 (a byte-order mark is ignored), LF, CRLF or CR line ends.
 * Fields may be quoted with "…"; a quoted field may hold commas, line breaks and doubled quotes
 * (""). Blank lines are skipped.
 */

/** One problem that stops the import, placed as a text editor shows it. */
export interface CsvError {
  /** 1-based line number in the file; 0 when the problem concerns the whole file (size, emptiness, options). */
  line: number;
  /** 1-based column (field) number within the line; 0 when the problem is not in one column. */
  column: number;
  /** What is wrong, with the offending value, and what to change. */
  message: string;
}

/** One CSV record: its fields and the line each field starts on (a quoted field can span lines). */
export interface CsvRecord {
  /** Line the record starts on. */
  line: number;
  /** Raw field text, quotes removed. */
  fields: string[];
  /** Line on which each field starts. */
  fieldLines: number[];
}

/** Reporting stops here: a thousand copies of one mistake help nobody. */
export const MAX_CSV_ERRORS = 100;

const BYTE_ORDER_MARK = 0xfeff;
const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

/**
 * The file as text, refused when it is larger than `maxBytes` (counted as UTF-8) or when its bytes
 * are not UTF-8. A leading byte-order mark is dropped.
 */
export function decodeCsvText(input: string | ArrayBuffer | Uint8Array, maxBytes: number): { text: string } | { error: CsvError } {
  let text: string;
  if (typeof input === 'string') {
    const size = utf8Length(input);
    if (size > maxBytes) return { error: wholeFileError(tooLargeMessage(size, maxBytes)) };
    text = input;
  } else {
    const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
    if (bytes.length > maxBytes) return { error: wholeFileError(tooLargeMessage(bytes.length, maxBytes)) };
    try {
      // The mark is kept here and dropped below, so text and bytes lose exactly one alike.
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      return { error: wholeFileError('the file is not UTF-8 text; save it as UTF-8 CSV and import it again') };
    }
  }
  return { text: text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text };
}

function wholeFileError(message: string): CsvError {
  return { line: 0, column: 0, message };
}

function tooLargeMessage(size: number, maxBytes: number): string {
  return `the file is ${size} bytes, over the limit of ${maxBytes} bytes; import a smaller file or raise maxBytes`;
}

/** Bytes the string takes as UTF-8, counted without encoding it. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair is one code point of four bytes.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Splits text into records; blank lines are dropped. Stops after MAX_CSV_ERRORS syntax errors. */
export function tokenizeCsv(text: string): { records: CsvRecord[]; errors: CsvError[] } {
  const records: CsvRecord[] = [];
  const errors: CsvError[] = [];
  const length = text.length;
  let line = 1;
  let position = 0;
  let fields: string[] = [];
  let fieldLines: number[] = [];
  let recordLine = 1;

  // Consumes one line break at `position` (CRLF counts as one) and returns whether there was one.
  const skipLineBreak = (): boolean => {
    const code = text.charCodeAt(position);
    if (code === CR) {
      position += text.charCodeAt(position + 1) === LF ? 2 : 1;
    } else if (code === LF) {
      position += 1;
    } else return false;
    line++;
    return true;
  };

  while (position <= length && errors.length < MAX_CSV_ERRORS) {
    const fieldLine = line;
    const column = fields.length + 1;
    let value = '';
    // Spaces before an opening quote are common in hand-written files (a, "b"); the quote still counts.
    let quoteAt = position;
    while (text.charCodeAt(quoteAt) === SPACE || text.charCodeAt(quoteAt) === TAB) quoteAt++;
    if (text.charCodeAt(quoteAt) === QUOTE) {
      position = quoteAt + 1;
      let closed = false;
      while (position < length) {
        const code = text.charCodeAt(position);
        if (code === QUOTE) {
          if (text.charCodeAt(position + 1) === QUOTE) {
            value += '"';
            position += 2;
            continue;
          }
          position++;
          closed = true;
          break;
        }
        if (code === CR || code === LF) {
          const start = position;
          skipLineBreak();
          value += text.slice(start, position);
        } else {
          value += text[position];
          position++;
        }
      }
      if (!closed) {
        errors.push({
          line: fieldLine,
          column,
          message: 'a quoted field opens here and never closes; add the closing " (a quote inside a field is written "")',
        });
        break;
      }
      const next = text.charCodeAt(position);
      if (position < length && next !== COMMA && next !== CR && next !== LF) {
        const stray = text.slice(position).match(/^[^,\r\n]*/)?.[0] ?? '';
        if (stray.trim() !== '') {
          errors.push({
            line,
            column,
            message: `text ${JSON.stringify(stray)} follows a closing quote; put the whole field inside the quotes`,
          });
        }
        position += stray.length;
      }
    } else {
      let end = position;
      while (end < length) {
        const code = text.charCodeAt(end);
        if (code === COMMA || code === CR || code === LF) break;
        end++;
      }
      value = text.slice(position, end);
      if (value.includes('"')) {
        errors.push({
          line,
          column,
          message: `the field ${value} has a quote but does not start with one; quote the whole field and double inner quotes ("")`,
        });
      }
      position = end;
    }
    fields.push(value);
    fieldLines.push(fieldLine);

    if (text.charCodeAt(position) === COMMA) {
      position++;
      continue;
    }
    // End of record: a line break or the end of the text.
    const isBlank = fields.length === 1 && fields[0].trim() === '';
    if (!isBlank) records.push({ line: recordLine, fields, fieldLines });
    fields = [];
    fieldLines = [];
    if (!skipLineBreak()) break;
    recordLine = line;
  }
  return { records, errors };
}
