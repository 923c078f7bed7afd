import type { SqliteDatabase } from '@m2m/shared';

export interface StoredProject {
  projectId: string;
  /** The clear secret, kept only when the server generated it. */
  secret: string | null;
  secretHash: string;
  customClaimsTemplate: Record<string, unknown> | null;
}

interface ProjectRow {
  project_id: string;
  secret: string | null;
  secret_hash: string;
  custom_claims_template: string | null;
}

/** The one project this server serves. */
export class ProjectStore {
  /**
   * Read on every token, so kept in memory (this process is the only writer): undefined until read,
   * then the template or null for none. An absent template is cached too (`??=` would re-read a null).
   */
  private template: Record<string, unknown> | null | undefined;

  constructor(private readonly db: SqliteDatabase) {}

  customClaimsTemplate(): Record<string, unknown> | null {
    if (this.template === undefined) this.template = this.get()?.customClaimsTemplate ?? null;
    return this.template;
  }

  get(): StoredProject | undefined {
    const row = this.db
      .prepare<[], ProjectRow>('SELECT project_id, secret, secret_hash, custom_claims_template FROM project WHERE id = 1')
      .get();
    if (!row) return undefined;
    return {
      projectId: row.project_id,
      secret: row.secret,
      secretHash: row.secret_hash,
      customClaimsTemplate: row.custom_claims_template ? (JSON.parse(row.custom_claims_template) as Record<string, unknown>) : null,
    };
  }

  /** Creates the project row, or replaces its credentials (the template is kept). */
  saveCredentials(project: { projectId: string; secret: string | null; secretHash: string }): void {
    this.db
      .prepare(
        `INSERT INTO project (id, project_id, secret, secret_hash, created_at) VALUES (1, @projectId, @secret, @secretHash, @now)
         ON CONFLICT (id) DO UPDATE SET project_id = excluded.project_id, secret = excluded.secret, secret_hash = excluded.secret_hash`,
      )
      .run({ ...project, now: Date.now() });
  }

  setCustomClaimsTemplate(template: Record<string, unknown> | null): void {
    this.db.prepare('UPDATE project SET custom_claims_template = ? WHERE id = 1').run(template === null ? null : JSON.stringify(template));
    this.template = template;
  }
}
