/**
 * JSON-lines logging: one object per line `{ ts, level, msg, ...fields }` on stdout (info/debug)
 * or stderr (warn/error), or into a log file (`npm start` keeps the terminal for people). Loggers
 * are created in entry points and passed down.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level?: LogLevel;
  fields?: LogFields;
  /** Where lines go; defaults to process.stdout/stderr. */
  write?: (line: string, level: LogLevel) => void;
}

function defaultWrite(line: string, level: LogLevel): void {
  (ORDER[level] >= ORDER.warn ? process.stderr : process.stdout).write(line + '\n');
}

function serializable(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const base = options.fields ?? {};
  const write = options.write ?? defaultWrite;
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    const record: LogFields = { ts: new Date().toISOString(), level, msg, ...base };
    for (const [k, v] of Object.entries(fields ?? {})) record[k] = serializable(v);
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ ts: record.ts, level, msg, note: 'fields not serializable' });
    }
    write(line, level);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

export interface LogFile {
  path: string;
  /** A LoggerOptions.write that appends to the file (and echoes to stderr when asked). */
  write(line: string, level: LogLevel): void;
  /** Appends raw output (a child process's log lines). */
  append(chunk: string | Buffer): void;
  close(): Promise<void>;
}

/** An append-only log file (its folder is created); `echo` also copies every line to stderr. */
export function openLogFile(file: string, options: { echo?: boolean } = {}): LogFile {
  mkdirSync(path.dirname(file), { recursive: true });
  const stream = createWriteStream(file, { flags: 'a' });
  // A full disk must not take the process down with it: logging is best effort.
  stream.on('error', () => undefined);
  const append = (chunk: string | Buffer) => {
    stream.write(chunk);
    if (options.echo) process.stderr.write(chunk);
  };
  return {
    path: file,
    write: (line) => append(line + '\n'),
    append,
    close: () => new Promise<void>((resolve) => stream.end(resolve)),
  };
}
