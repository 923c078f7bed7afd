import type { Client } from 'stytch';
import { HttpError, SCOPES, type Logger } from '@m2m/shared';
import type { TokenProvider } from '../m2m/tokenProvider';
import { callStytch } from '@m2m/shared';
import { lastFour, type CredentialsFile, type StoredCredentials } from './credentialsFile';

/** What the rotation routes answer: which secrets exist, by their last four characters only. */
export interface RotationView {
  client_id: string;
  /** What this call did; `none` / `started` for the status query. */
  rotation: 'none' | 'started' | 'completed' | 'cancelled';
  client_secret_last_four: string | null;
  next_client_secret_last_four: string | null;
  /** The secret the token provider uses now. */
  in_use: 'client_secret' | 'next_client_secret';
}

export interface SecretRotationDeps {
  stytch: Client;
  file: CredentialsFile;
  tokenProvider: TokenProvider;
  /** What the file held at start-up (a pending rotation included). */
  stored: StoredCredentials;
  /** Whether the token provider started on the next secret (crash recovery). */
  usingNext: boolean;
  logger: Logger;
  /** The scopes of the token that proves a new secret works (least privilege: read:users). */
  proofScopes?: string[];
}

/**
 * Rotates the payment-server's own client secret with no request failing meanwhile. Between
 * `rotateStart` and `rotate` (complete) Stytch accepts both secrets, so the switch can happen in
 * that window: start → write the next secret to the file (Stytch shows it once) → switch the token
 * provider → prove a token can be had with it → complete → write the file. Tokens already issued
 * stay valid whatever secret got them, so cached tokens keep serving throughout.
 *
 * One rotation step at a time: a second call while one runs gets 409.
 */
export class SecretRotation {
  private stored: StoredCredentials;
  private usingNext: boolean;
  private busy = false;
  private readonly proofScopes: string[];

  constructor(private readonly deps: SecretRotationDeps) {
    this.stored = { ...deps.stored };
    this.usingNext = deps.usingNext;
    this.proofScopes = deps.proofScopes ?? [SCOPES.readUsers];
  }

  get clientId(): string {
    return this.stored.client_id;
  }

  /** Where the rotation stands (from the credentials file: a started rotation holds a next secret). */
  status(): RotationView {
    return this.view(this.stored.next_client_secret ? 'started' : 'none');
  }

  /** Step 1: Stytch creates the next secret; it is written to the file before anything else. */
  start(): Promise<RotationView> {
    return this.exclusive(async () => {
      this.requireNoRotation();
      await this.startAtStytch();
      return this.view('started');
    });
  }

  /**
   * Step 2: switch to the next secret, prove it works, complete at Stytch, write the file.
   * If the proof fails, the old secret stays in use and the rotation stays pending (cancel or retry).
   */
  complete(): Promise<RotationView> {
    return this.exclusive(async () => {
      const next = this.requireRotation();
      await this.switchAndProve(next);
      await this.completeAtStytch(next);
      return this.view('completed');
    });
  }

  /** Abandons a started rotation: back to the old secret first, then Stytch discards the next one. */
  cancel(): Promise<RotationView> {
    return this.exclusive(async () => {
      this.requireRotation();
      this.useSecret(this.stored.client_secret, false);
      await callStytch(() => this.deps.stytch.m2m.clients.secrets.rotateCancel({ client_id: this.clientId }));
      this.persist({ client_id: this.clientId, client_secret: this.stored.client_secret });
      this.deps.logger.info(this.logView(), 'secret rotation cancelled');
      return this.view('cancelled');
    });
  }

  /**
   * The whole rotation in one call. On a failure before Stytch completes it, the rotation is
   * cancelled and the old secret stays. If the complete call itself fails, its outcome is unknown
   * (it may have completed): the server then stays on the next secret, which works in both cases,
   * and the file keeps both, so a retry of /complete (or a restart) finishes the job.
   */
  rotate(): Promise<RotationView> {
    return this.exclusive(async () => {
      this.requireNoRotation();
      const next = await this.startAtStytch();
      try {
        await this.switchAndProve(next);
      } catch (err) {
        await this.rollBack();
        throw err;
      }
      await this.completeAtStytch(next);
      return this.view('completed');
    });
  }

  private async startAtStytch(): Promise<string> {
    const { m2m_client } = await this.rotateStartAtStytch();
    const next = m2m_client.next_client_secret;
    try {
      this.persist({ ...this.stored, next_client_secret: next });
    } catch (err) {
      // Without the file, a crash would lose the next secret: don't go on with it.
      await this.cancelQuietly();
      throw new HttpError(
        500,
        'credentials_file_not_written',
        `The rotation was cancelled: the credentials file could not be written (${(err as Error).message})`,
      );
    }
    this.deps.logger.info(this.logView(), 'secret rotation started; next secret saved to the credentials file');
    return next;
  }

  /**
   * Stytch's rotate/start. A rotation already in progress there, while the file holds no next secret
   * (we only get here then), is one whose next secret we lost: a crash between Stytch's answer and
   * writing the file. Nobody of ours can use that secret, so it is cancelled and a new one started.
   */
  private async rotateStartAtStytch() {
    const rotateStart = () => callStytch(() => this.deps.stytch.m2m.clients.secrets.rotateStart({ client_id: this.clientId }));
    try {
      return await rotateStart();
    } catch (err) {
      if (!(err instanceof HttpError && err.code === 'm2m_client_secret_rotation_in_progress')) throw err;
      this.deps.logger.warn(
        this.logView(),
        'Stytch holds a started rotation whose next secret is not in the credentials file (lost in a crash): cancelling it and starting afresh',
      );
      await callStytch(() => this.deps.stytch.m2m.clients.secrets.rotateCancel({ client_id: this.clientId }));
      return rotateStart();
    }
  }

  private async switchAndProve(next: string): Promise<void> {
    this.useSecret(next, true);
    try {
      await this.deps.tokenProvider.refresh(this.proofScopes);
    } catch (err) {
      this.useSecret(this.stored.client_secret, false);
      this.deps.logger.warn({ ...this.logView(), err }, 'the next secret did not get a token; back on the old secret');
      throw new HttpError(
        502,
        'rotation_proof_failed',
        `No token could be had with the next secret (${(err as Error).message}); still using the old secret`,
      );
    }
  }

  private async completeAtStytch(next: string): Promise<void> {
    try {
      await callStytch(() => this.deps.stytch.m2m.clients.secrets.rotate({ client_id: this.clientId }));
    } catch (err) {
      if (await this.alreadyCompleted(next)) {
        this.completed(next);
        return;
      }
      this.deps.logger.warn(
        { ...this.logView(), err },
        'completing the rotation failed; staying on the next secret (it works whether or not the rotation completed)',
      );
      const why = err instanceof HttpError ? err.message : String(err);
      throw new HttpError(
        502,
        'rotation_not_confirmed',
        `Stytch did not confirm completing the rotation (${why}); the server uses the next secret, which works either way: retry POST /admin/m2m/secret-rotation/complete`,
      );
    }
    this.completed(next);
  }

  /** A retried complete whose first try did complete at Stytch (its answer was lost): the client shows the next secret as current. */
  private async alreadyCompleted(next: string): Promise<boolean> {
    try {
      const { m2m_client } = await callStytch(() => this.deps.stytch.m2m.clients.get({ client_id: this.clientId }));
      return !m2m_client.next_client_secret_last_four && m2m_client.client_secret_last_four === lastFour(next);
    } catch {
      return false;
    }
  }

  private completed(next: string): void {
    try {
      this.persist({ client_id: this.clientId, client_secret: next });
    } catch (err) {
      this.stored = { client_id: this.clientId, client_secret: next };
      this.deps.logger.error(
        { clientId: this.clientId, err },
        'rotation completed but the credentials file could not be updated; a restart recovers it',
      );
      throw new HttpError(
        500,
        'credentials_file_not_written',
        `The rotation completed but the credentials file could not be updated (${(err as Error).message}); a restart recovers from the file as it is`,
      );
    }
    this.usingNext = false;
    this.deps.logger.info(this.logView(), 'secret rotation completed; the credentials file holds the new secret');
  }

  /** After a failed proof: back to the old secret, cancel at Stytch, forget the next secret. */
  private async rollBack(): Promise<void> {
    this.useSecret(this.stored.client_secret, false);
    if (await this.cancelQuietly()) {
      this.persist({ client_id: this.clientId, client_secret: this.stored.client_secret });
    }
    // If the cancel failed the file keeps the next secret, so /cancel can be retried (or a restart sorts it out).
  }

  private async cancelQuietly(): Promise<boolean> {
    try {
      await callStytch(() => this.deps.stytch.m2m.clients.secrets.rotateCancel({ client_id: this.clientId }));
      return true;
    } catch (err) {
      this.deps.logger.warn({ clientId: this.clientId, err }, 'cancelling the rotation failed; it stays pending at Stytch');
      return false;
    }
  }

  private useSecret(secret: string, isNext: boolean): void {
    this.deps.tokenProvider.setCredentials({ clientId: this.clientId, clientSecret: secret });
    this.usingNext = isNext;
  }

  private persist(next: StoredCredentials): void {
    this.deps.file.write(next);
    this.stored = { ...next };
  }

  private requireNoRotation(): void {
    if (this.stored.next_client_secret) {
      throw new HttpError(
        409,
        'rotation_in_progress',
        `A rotation is already started (next secret ...${lastFour(this.stored.next_client_secret)}): complete or cancel it first`,
      );
    }
  }

  private requireRotation(): string {
    if (!this.stored.next_client_secret) {
      throw new HttpError(
        409,
        'no_rotation_in_progress',
        'No rotation is started: POST /admin/m2m/secret-rotation/start first (or /admin/m2m/secret-rotation for all steps at once)',
      );
    }
    return this.stored.next_client_secret;
  }

  private async exclusive<T>(step: () => Promise<T>): Promise<T> {
    if (this.busy) throw new HttpError(409, 'rotation_busy', 'Another rotation step is running; try again when it has finished');
    this.busy = true;
    try {
      return await step();
    } finally {
      this.busy = false;
    }
  }

  private view(rotation: RotationView['rotation']): RotationView {
    return {
      client_id: this.clientId,
      rotation,
      client_secret_last_four: lastFour(this.stored.client_secret),
      next_client_secret_last_four: lastFour(this.stored.next_client_secret),
      in_use: this.usingNext ? 'next_client_secret' : 'client_secret',
    };
  }

  /** The view without `rotation`: log lines say in words what happened. */
  private logView(): Omit<RotationView, 'rotation'> {
    const { client_id, client_secret_last_four, next_client_secret_last_four, in_use } = this.view('none');
    return { client_id, client_secret_last_four, next_client_secret_last_four, in_use };
  }
}
