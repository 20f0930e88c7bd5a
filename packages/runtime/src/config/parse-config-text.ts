/**
 * Turns the text of a config file into a document: JSON for `.json`, YAML otherwise (YAML 1.2 is a superset of JSON,
 * so an unknown extension still reads JSON). Syntax errors carry the file, line and column.
 */
import { parseDocument } from "yaml";
import type { ConfigIssue } from "./types.js";

export type ParsedText = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

/** Node's JSON errors give an offset only for some mistakes; the YAML parser locates the others. */
function locateJsonError(text: string, message: string): { line: number; column: number } | undefined {
  const position = /position (\d+)/.exec(message);
  if (position !== null) return lineAndColumn(text, Number(position[1]));
  const [error] = parseDocument(text).errors;
  return error?.linePos?.[0] === undefined ? undefined : { line: error.linePos[0].line, column: error.linePos[0].col };
}

function parseJson(text: string, fileName: string): ParsedText {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = (error as Error).message;
    const location = locateJsonError(text, message);
    const where = location === undefined ? "" : ` at line ${location.line}, column ${location.column}`;
    return { ok: false, issues: [{ path: "", message: `invalid JSON in ${fileName}${where}: ${message}` }] };
  }
}

function parseYaml(text: string, fileName: string): ParsedText {
  const document = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      issues: document.errors.map((error) => ({ path: "", message: `invalid YAML in ${fileName}: ${error.message}` })),
    };
  }
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: 1000 }) as unknown };
  } catch (error) {
    return { ok: false, issues: [{ path: "", message: `invalid YAML in ${fileName}: ${(error as Error).message}` }] };
  }
}

export function parseConfigText(text: string, fileName: string): ParsedText {
  const content = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (content.trim() === "") return { ok: false, issues: [{ path: "", message: `config file ${fileName} is empty` }] };
  return fileName.toLowerCase().endsWith(".json") ? parseJson(content, fileName) : parseYaml(content, fileName);
}
