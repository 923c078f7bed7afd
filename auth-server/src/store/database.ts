import { openDatabase, type SqliteDatabase } from '@m2m/shared';
import { AUDIT_SCHEMA } from '../audit/auditLog';
import { ClientStore } from './clientStore';
import { ProjectStore } from './projectStore';
import { AUTH_SCHEMA } from './schema';
import { SigningKeyStore } from './signingKeyStore';

export interface AuthStores {
  db: SqliteDatabase;
  project: ProjectStore;
  clients: ClientStore;
  signingKeys: SigningKeyStore;
}

/** Opens the auth-server's database (a DatabaseError when the file is not a usable SQLite database). */
export function openAuthStores(file: string): AuthStores {
  const db = openDatabase(file, AUTH_SCHEMA + AUDIT_SCHEMA);
  return { db, project: new ProjectStore(db), clients: new ClientStore(db), signingKeys: new SigningKeyStore(db) };
}
