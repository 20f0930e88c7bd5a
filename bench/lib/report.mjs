// Markdown for docs/benchmarks.md. Only the text between a section's marker comments is regenerated; the prose
// around them is written by hand.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export function replaceSection(file, section, body) {
  const start = `<!-- bench:${section}:start -->`;
  const end = `<!-- bench:${section}:end -->`;
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const block = `${start}\n${body.trim()}\n${end}`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  const next = from !== -1 && to > from ? text.slice(0, from) + block + text.slice(to + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

export const round = (value, digits = 0) =>
  value === undefined || Number.isNaN(value) ? "-" : value.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function table(headers, rows, alignRight = headers.map((_, index) => index > 0)) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(alignRight.map((right) => (right ? "---:" : "---"))), ...rows.map(line)].join("\n");
}
