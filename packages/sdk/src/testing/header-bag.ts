import type { HeaderRecord, HeaderValue } from "../context.js";

/** A mutable header record with lower-cased names, as the harness keeps request and response headers. */
export class HeaderBag {
  readonly values: Record<string, string | string[]> = {};

  constructor(initial?: Readonly<Record<string, HeaderValue | number | undefined>>) {
    if (initial !== undefined) {
      for (const [name, value] of Object.entries(initial)) {
        if (value !== undefined) this.set(name, typeof value === "number" ? String(value) : value);
      }
    }
  }

  get record(): HeaderRecord {
    return this.values;
  }

  get(name: string): string | undefined {
    const value = this.values[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : (value as string | undefined);
  }

  set(name: string, value: HeaderValue): void {
    this.values[name.toLowerCase()] = typeof value === "string" ? value : [...value];
  }

  add(name: string, value: string): void {
    const key = name.toLowerCase();
    const existing = this.values[key];
    if (existing === undefined) this.values[key] = value;
    else this.values[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }

  remove(name: string): void {
    delete this.values[name.toLowerCase()];
  }
}
