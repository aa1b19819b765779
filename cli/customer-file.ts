/**
 * The customers of a bulk start, from a JSON or CSV file: read and checked whole, so every bad row is reported
 * with its line number before anything is sent. Pure over the file's text.
 */
import { defined } from "../src/defined.js";
import { VAR_NAME, VAR_NAME_RULE, VAR_VALUE_MAX, VARS_MAX } from "../src/flow/session.js";
import { normalisePhone, PHONE } from "../src/vonage/webhooks.js";

/** What a customers file holds, as `start --help` and the error for a missing file say it. */
export const CUSTOMERS_FILE_FORMAT =
  'JSON, an array of {"to", "profileName"?, "variables"?: {"name": "value"}}, or CSV with a header row: a "to" column, optionally "profileName", and any other column is a variable';

export interface CustomerRow {
  /** The line of the file the customer's row (CSV) or object (JSON) starts on. */
  line: number;
  to: string;
  profileName?: string;
  variables?: Record<string, string>;
}

export interface FileProblem {
  /** 0: the file as a whole. */
  line: number;
  message: string;
}

export interface CustomerFile {
  rows: CustomerRow[];
  problems: FileProblem[];
}

const NAME_MAX = 256;

/**
 * What is wrong with a customer's number, said with how to write it. A phone book's national form (07700 900123) and
 * the 00 of dialling abroad both start with 0, which no country code does: the worker refuses them, so they are bad
 * rows here, found with the rest before anything is sent.
 */
function phoneProblem(to: string): string | undefined {
  // As the worker checks them: 5 to 20 digits, country code first (which never starts with 0), a leading "+" taken.
  const number = normalisePhone(to);
  if (PHONE.pattern.test(number)) return undefined;
  if (/^00[1-9][0-9]{4,19}$/.test(number)) return `starts with 00, the prefix for dialling abroad: write it in international form without it, the country code first (${number.slice(2)})`;
  if (/^0[1-9][0-9]{3,18}$/.test(number))
    return "is a national number (it starts with 0): write it in international form, the country code first and without the leading 0 (a UK 07700 900123 is 447700900123)";
  return "is not a phone number: digits only, country code first";
}

/** The problems of one customer's fields, the same for both formats. */
function fieldProblems(to: string | undefined, profileName: string | undefined, variables: Record<string, string>): string[] {
  const problems: string[] = [];
  if (to === undefined || to === "") problems.push(`no "to": every customer needs their number`);
  else {
    const wrong = phoneProblem(to);
    if (wrong !== undefined) problems.push(`"to" ${JSON.stringify(to)} ${wrong}`);
  }
  if (profileName !== undefined && (profileName.trim() === "" || profileName.length > NAME_MAX)) problems.push(`"profileName" must be 1 to ${NAME_MAX} characters`);
  for (const [name, value] of Object.entries(variables)) {
    if (!VAR_NAME.test(name)) problems.push(`variable "${name}" is not a variable name: ${VAR_NAME_RULE}`);
    if (value.length > VAR_VALUE_MAX) problems.push(`variable "${name}" has ${value.length} characters; the worker takes at most ${VAR_VALUE_MAX}`);
  }
  if (Object.keys(variables).length > VARS_MAX) problems.push(`${Object.keys(variables).length} variables; the worker takes at most ${VARS_MAX}`);
  return problems;
}

/** Checks one customer; adds it to the file's rows, or its problems with its line. */
function add(into: CustomerFile, seen: Map<string, number>, line: number, to: string | undefined, profileName: string | undefined, variables: Record<string, string>, more: string[] = []) {
  const problems = [...more, ...fieldProblems(to, profileName, variables)];
  const number = to?.replace(/^\+/, "");
  const earlier = number === undefined ? undefined : seen.get(number);
  if (earlier !== undefined) problems.push(`customer ${to} is also on line ${earlier}: list each customer once`);
  else if (number !== undefined && number !== "") seen.set(number, line);
  if (problems.length > 0) into.problems.push(...problems.map((message) => ({ line, message })));
  else into.rows.push({ line, to: number!, ...defined({ profileName, variables: Object.keys(variables).length > 0 ? variables : undefined }) });
}

/** RFC 4180 records with the line each starts on: a quoted cell may hold commas, doubled quotes and line breaks. */
function csvRecords(text: string): { records: Array<{ line: number; cells: string[] }>; unclosed?: number } {
  const records: Array<{ line: number; cells: string[] }> = [];
  let [line, startLine, cell, quoted] = [1, 1, "", false];
  let cells: string[] = [];
  const endRecord = () => {
    cells.push(cell);
    if (cells.length > 1 || cells[0]!.trim() !== "") records.push({ line: startLine, cells: cells.map((c) => c.trim()) });
    [cells, cell] = [[], ""];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') [cell, i] = [`${cell}"`, i + 1];
      else if (ch === '"') quoted = false;
      else {
        if (ch === "\n") line++;
        cell += ch;
      }
    } else if (ch === '"' && cell.trim() === "") [cell, quoted] = ["", true];
    else if (ch === ",") {
      cells.push(cell);
      cell = "";
    } else if (ch === "\n" || (ch === "\r" && text[i + 1] !== "\n")) {
      endRecord();
      startLine = ++line;
    } else if (ch !== "\r") cell += ch;
  }
  if (quoted) return { records, unclosed: startLine };
  endRecord();
  return { records };
}

/** CSV: a header row with "to", optionally "profileName", and any other column a variable; empty cells are left out. */
export function parseCsvCustomers(text: string): CustomerFile {
  const file: CustomerFile = { rows: [], problems: [] };
  const { records, unclosed } = csvRecords(text.replace(/^\uFEFF/, ""));
  if (unclosed !== undefined) return { rows: [], problems: [{ line: unclosed, message: 'a quoted cell is not closed: end it with ", and write a quote inside one as ""' }] };
  const [header, ...rows] = records;
  if (header === undefined) return { rows: [], problems: [{ line: 0, message: 'the file is empty: give a header row naming a "to" column, then a row per customer' }] };
  const columns = header.cells;
  for (const [i, name] of columns.entries()) {
    if (columns.indexOf(name) !== i) file.problems.push({ line: header.line, message: `column "${name}" is named twice` });
    else if (name !== "to" && name !== "profileName" && !VAR_NAME.test(name)) {
      file.problems.push({ line: header.line, message: `column "${name}" is not a variable name: ${VAR_NAME_RULE} (or "to", "profileName")` });
    }
  }
  if (!columns.includes("to"))
    file.problems.push({
      line: header.line,
      message: `the header row names no "to" column (it names ${columns.map((c) => `"${c}"`).join(", ")}): the first row names the columns, separated by commas`,
    });
  if (file.problems.length > 0) return file;
  if (rows.length === 0) return { rows: [], problems: [{ line: 0, message: "no customers: the header row is the only row" }] };

  const seen = new Map<string, number>();
  for (const row of rows) {
    const shape = row.cells.length === columns.length ? [] : [`${row.cells.length} cells, and the header has ${columns.length} (quote a cell that holds a comma)`];
    const cells = new Map(columns.map((name, i) => [name, row.cells[i] ?? ""]));
    const variables: Record<string, string> = {};
    for (const [name, value] of cells) if (name !== "to" && name !== "profileName" && value !== "") variables[name] = value;
    const profileName = cells.get("profileName") || undefined;
    add(file, seen, row.line, cells.get("to"), profileName, variables, shape);
  }
  return file;
}

/** The line each element of a JSON array starts on; the text is known to parse. */
function elementLines(text: string): number[] {
  const lines: number[] = [];
  let [line, depth, inString, escaped, expecting] = [1, 0, false, false, false];
  for (const ch of text) {
    if (ch === "\n") line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (/\s/.test(ch)) continue;
    if (depth === 1 && expecting && ch !== "]") {
      lines.push(line);
      expecting = false;
    }
    if (ch === '"') inString = true;
    else if (ch === "[" || ch === "{") expecting = ++depth === 1;
    else if (ch === "]" || ch === "}") depth--;
    else if (ch === "," && depth === 1) expecting = true;
  }
  return lines;
}

const FIELDS = new Set(["to", "profileName", "variables"]);

/** JSON: an array of {"to", "profileName"?, "variables"?: {"name": "value"}}. */
export function parseJsonCustomers(text: string): CustomerFile {
  const file: CustomerFile = { rows: [], problems: [] };
  const clean = text.replace(/^\uFEFF/, "");
  let doc: unknown;
  try {
    doc = JSON.parse(clean);
  } catch (e) {
    return { rows: [], problems: [{ line: 0, message: `not valid JSON (${e instanceof Error ? e.message : "parse error"})` }] };
  }
  if (!Array.isArray(doc)) return { rows: [], problems: [{ line: 0, message: 'expected a JSON array of customers, [{"to": "<number>", "profileName"?: "...", "variables"?: {...}}, ...]' }] };
  if (doc.length === 0) return { rows: [], problems: [{ line: 0, message: "no customers: the array is empty" }] };
  const lines = elementLines(clean);
  const seen = new Map<string, number>();
  for (const [i, entry] of doc.entries()) {
    const line = lines[i] ?? 0;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      file.problems.push({ line, message: 'expected an object, {"to": "<number>", ...}' });
      continue;
    }
    const { to, profileName, variables = {} } = entry as Record<string, unknown>;
    const more = Object.keys(entry)
      .filter((k) => !FIELDS.has(k))
      .map((k) => `unknown field "${k}": a customer has "to", "profileName" and "variables"`);
    if (to !== undefined && typeof to !== "string") more.push(`"to" must be a string, e.g. "447700900101"`);
    if (profileName !== undefined && typeof profileName !== "string") more.push(`"profileName" must be a string`);
    const vars: Record<string, string> = {};
    if (typeof variables !== "object" || variables === null || Array.isArray(variables)) more.push(`"variables" must be an object of strings, {"name": "value"}`);
    else {
      for (const [name, value] of Object.entries(variables)) {
        if (typeof value === "string") vars[name] = value;
        else more.push(`variable "${name}" must be a string`);
      }
    }
    add(file, seen, line, typeof to === "string" ? to.trim() : to === undefined ? undefined : String(to), typeof profileName === "string" ? profileName : undefined, vars, more);
  }
  return file;
}

/** By the file's extension; another name is read as JSON when it starts with "[". */
export function parseCustomers(file: string, text: string): CustomerFile {
  if (/\.json$/i.test(file)) return parseJsonCustomers(text);
  if (/\.csv$/i.test(file)) return parseCsvCustomers(text);
  return /^\uFEFF?\s*\[/.test(text) ? parseJsonCustomers(text) : parseCsvCustomers(text);
}
