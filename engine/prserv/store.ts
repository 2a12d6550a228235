/**
 * The PR database: BitBake's PRMAIN table (version, pkgarch, checksum, value), in sqlite
 * with WAL, so a database file moves freely between tsbake and bitbake-prserv. Every
 * request that may write runs in one immediate transaction: concurrent servers on one file
 * never hand out a value twice, and a crash loses nothing that was committed.
 */
import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { ensureDir } from '../core/fs.js';
import { extremum, increaseRevision } from './revision.js';

export interface PrRow {
  readonly version: string;
  readonly pkgarch: string;
  readonly checksum: string;
  readonly value: string;
}

export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly notnull: number;
  readonly dflt_value: string | null;
  readonly pk: number;
}

export interface ExportMeta {
  readonly tbl_name: string;
  readonly core_ver: string;
  readonly col_info: readonly ColumnInfo[];
}

const TABLE = 'PRMAIN';
/** The version BitBake's PR service reports in an export. */
export const CORE_VERSION = '2.0.0';

export class PrStore {
  readonly readOnly: boolean;
  readonly #db: Database.Database;
  readonly #byPackage: Database.Statement<[string, string], { value: string }>;
  readonly #maxCandidates: Database.Statement<[{ v: string; a: string }], { value: string }>;
  readonly #byChecksum: Database.Statement<[string, string, string], { value: string }>;
  readonly #exact: Database.Statement<[string, string, string, string], { value: string }>;
  readonly #insert: Database.Statement<[string, string, string, string]>;

  constructor(file: string, opts: { readonly readOnly?: boolean } = {}) {
    this.readOnly = opts.readOnly === true;
    if (!this.readOnly) ensureDir(dirname(file));
    this.#db = new Database(file, { readonly: this.readOnly, fileMustExist: this.readOnly });
    this.#db.pragma('busy_timeout = 30000');
    if (!this.readOnly) {
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = NORMAL');
      this.#db.exec(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (version TEXT NOT NULL, pkgarch TEXT NOT NULL, checksum TEXT NOT NULL, value TEXT, PRIMARY KEY (version, pkgarch, checksum, value));`,
      );
    }
    this.#byPackage = this.#db.prepare(`SELECT value FROM ${TABLE} WHERE version=? AND pkgarch=?`);
    // Only values whose leading integer is the greatest can be the greatest revision; sqlite
    // reads that integer (CAST takes the numeric prefix), so a package's max needs no full scan in JS.
    this.#maxCandidates = this.#db.prepare(
      `SELECT value FROM ${TABLE} WHERE version=@v AND pkgarch=@a AND CAST(value AS INTEGER) = (SELECT MAX(CAST(value AS INTEGER)) FROM ${TABLE} WHERE version=@v AND pkgarch=@a)`,
    );
    this.#byChecksum = this.#db.prepare(`SELECT value FROM ${TABLE} WHERE version=? AND pkgarch=? AND checksum=?`);
    this.#exact = this.#db.prepare(`SELECT value FROM ${TABLE} WHERE version=? AND pkgarch=? AND checksum=? AND value=?`);
    this.#insert = this.#db.prepare(`INSERT INTO ${TABLE} VALUES (?, ?, ?, ?)`);
  }

  close(): void {
    this.#db.close();
  }

  testPackage(version: string, pkgarch: string): boolean {
    return this.#byPackage.get(version, pkgarch) !== undefined;
  }

  findPackageMax(version: string, pkgarch: string): string | undefined {
    return extremum(this.#maxCandidates.all({ v: version, a: pkgarch }).map((r) => r.value), true);
  }

  /** The value known for a checksum: the least one in history mode, else the greatest. */
  findValue(version: string, pkgarch: string, checksum: string, history: boolean): string | undefined {
    return extremum(this.#byChecksum.all(version, pkgarch, checksum).map((r) => r.value), !history);
  }

  /** The next "<base>.y" for (version, pkgarch), "<base>.0" when there is none. Stores nothing. */
  findNewSubvalue(version: string, pkgarch: string, base: string): string {
    const values = this.#byPackage.all(version, pkgarch).map((r) => r.value).filter((v) => v.startsWith(`${base}.`));
    const max = extremum(values, true);
    return max === undefined ? `${base}.0` : increaseRevision(max);
  }

  storeValue(version: string, pkgarch: string, checksum: string, value: string): void {
    if (this.readOnly) return;
    this.#db.transaction(() => {
      if (this.#exact.get(version, pkgarch, checksum, value) === undefined) this.#insert.run(version, pkgarch, checksum, value);
    }).immediate();
  }

  /** BitBake's get-pr without an upstream: the value for the checksum, a new one stored if needed. */
  getValue(version: string, pkgarch: string, checksum: string, history: boolean): string {
    const decide = (): string => {
      const max = this.findPackageMax(version, pkgarch);
      if (max === undefined) return '0';
      const value = this.findValue(version, pkgarch, checksum, history);
      if (value === undefined) return increaseRevision(max);
      if (history) return value;
      // BitBake compares these two as plain strings here.
      return max > value ? increaseRevision(max) : value;
    };
    if (this.readOnly) return decide();
    return this.#db.transaction(() => {
      const value = decide();
      if (this.#exact.get(version, pkgarch, checksum, value) === undefined) this.#insert.run(version, pkgarch, checksum, value);
      return value;
    }).immediate();
  }

  /** Stores every row in one transaction; returns how many were new. */
  importRows(rows: readonly PrRow[]): number {
    if (this.readOnly) return 0;
    return this.#db.transaction(() => {
      let added = 0;
      for (const r of rows) {
        if (this.#exact.get(r.version, r.pkgarch, r.checksum, r.value) !== undefined) continue;
        this.#insert.run(r.version, r.pkgarch, r.checksum, r.value);
        added++;
      }
      return added;
    }).immediate();
  }

  /** Rows for an export: every row (history), else the rows holding each package's greatest value. */
  export(filter: { version?: string | null; pkgarch?: string | null; checksum?: string | null }, history: boolean): PrRow[] {
    const where: string[] = [];
    const args: string[] = [];
    for (const [col, v] of [['version', filter.version], ['pkgarch', filter.pkgarch], ['checksum', filter.checksum]] as const) {
      if (v) {
        where.push(`T1.${col}=?`);
        args.push(String(v));
      }
    }
    const base = history
      ? `SELECT * FROM ${TABLE} AS T1 WHERE 1=1`
      : `SELECT T1.version, T1.pkgarch, T1.checksum, T1.value FROM ${TABLE} AS T1, (SELECT version, pkgarch, max(value) AS maxvalue FROM ${TABLE} GROUP BY version, pkgarch) AS T2 WHERE T1.version=T2.version AND T1.pkgarch=T2.pkgarch AND T1.value=T2.maxvalue`;
    const sql = `${base}${where.map((w) => ` AND ${w}`).join('')}`;
    return (this.#db.prepare(sql).all(...args) as PrRow[]).filter((r) => r.version);
  }

  columns(): ExportMeta {
    const col_info = (this.#db.pragma(`table_info(${TABLE})`) as ColumnInfo[]).map((c) => ({ name: c.name, type: c.type, notnull: c.notnull, dflt_value: c.dflt_value, pk: c.pk }));
    return { tbl_name: TABLE, core_ver: CORE_VERSION, col_info };
  }
}
