import type { Logger } from "@portcullis/sdk";

export type LogLevel = "debug" | "info" | "warn" | "error";
const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogSink {
  write(text: string): unknown;
}

export interface RuntimeLogger extends Logger {
  child(bindings: Readonly<Record<string, unknown>>): RuntimeLogger;
  /** Writes one JSON object as a line (the access log). */
  writeRecord(record: Readonly<Record<string, unknown>>): void;
  enabled(level: LogLevel): boolean;
  flush(): void;
}

/**
 * Lines are batched and flushed once per event-loop turn: with stdout on a pipe or a file, Node writes
 * synchronously, and one write per request line would cost a syscall on the hot path.
 */
class LogQueue {
  readonly lines: string[] = [];
  scheduled = false;
  constructor(readonly sink: LogSink) {}

  push(line: string): void {
    this.lines.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.lines.length === 0) return;
    const text = `${this.lines.join("\n")}\n`;
    this.lines.length = 0;
    this.sink.write(text);
  }
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const record: Record<string, unknown> = { name: value.name, message: value.message, stack: value.stack };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) record.code = code;
    return record;
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

function fieldsText(fields: Readonly<Record<string, unknown>> | undefined): string {
  if (fields === undefined) return "";
  const text = JSON.stringify(fields, errorReplacer).slice(1, -1);
  return text === "" ? "" : `,${text}`;
}

class JsonLogger implements RuntimeLogger {
  constructor(
    private readonly queue: LogQueue,
    private readonly minimum: number,
    private readonly bound: string,
  ) {}

  child(bindings: Readonly<Record<string, unknown>>): RuntimeLogger {
    return new JsonLogger(this.queue, this.minimum, `${this.bound}${fieldsText(bindings)}`);
  }

  enabled(level: LogLevel): boolean {
    return levelRank[level] >= this.minimum;
  }

  writeRecord(record: Readonly<Record<string, unknown>>): void {
    this.queue.push(JSON.stringify(record, errorReplacer));
  }

  debug(message: string, fields?: Readonly<Record<string, unknown>>): void {
    this.write("debug", message, fields);
  }
  info(message: string, fields?: Readonly<Record<string, unknown>>): void {
    this.write("info", message, fields);
  }
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void {
    this.write("warn", message, fields);
  }
  error(message: string, fields?: Readonly<Record<string, unknown>>): void {
    this.write("error", message, fields);
  }

  flush(): void {
    this.queue.flush();
  }

  private write(level: LogLevel, message: string, fields: Readonly<Record<string, unknown>> | undefined): void {
    if (levelRank[level] < this.minimum) return;
    this.queue.push(
      `{"time":"${new Date().toISOString()}","level":"${level}","message":${JSON.stringify(message)}${this.bound}${fieldsText(fields)}}`,
    );
  }
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Where lines go; default stdout. */
  readonly sink?: LogSink;
}

export function createLogger(options: LoggerOptions = {}): RuntimeLogger {
  return new JsonLogger(new LogQueue(options.sink ?? process.stdout), levelRank[options.level ?? "info"], "");
}

/** A logger that drops everything: `logger: false`. */
export const silentLogger: RuntimeLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
  writeRecord() {},
  enabled: () => false,
  flush() {},
};
