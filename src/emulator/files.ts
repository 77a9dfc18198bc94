// The files API store: uploaded files with their metadata, expiring 24 hours after upload.

import { createHash } from 'node:crypto';

export const FILE_LIFETIME_MS = 24 * 3_600_000;
export const MAX_FILE_BYTES = 100 * 1024 * 1024;

export interface StoredFile {
  id: string;
  filename: string;
  contentType: string;
  data: Buffer;
  sha256: string;
  md5: string;
  metadata: Record<string, unknown>;
  createdAtMs: number;
  expiresAtMs: number;
}

export class FileStore {
  private readonly files = new Map<string, StoredFile>();

  add(file: Omit<StoredFile, 'sha256' | 'md5' | 'expiresAtMs'>): StoredFile {
    const stored: StoredFile = {
      ...file,
      sha256: createHash('sha256').update(file.data).digest('hex'),
      md5: createHash('md5').update(file.data).digest('hex'),
      expiresAtMs: file.createdAtMs + FILE_LIFETIME_MS,
    };
    this.files.set(stored.id, stored);
    return stored;
  }

  /** The file, unless it is unknown or expired at `nowMs`. */
  get(id: string, nowMs: number): StoredFile | undefined {
    const file = this.files.get(id);
    if (!file || file.expiresAtMs <= nowMs) return undefined;
    return file;
  }

  delete(id: string, nowMs: number): boolean {
    if (!this.get(id, nowMs)) return false;
    return this.files.delete(id);
  }

  /** Live files, newest first. */
  list(nowMs: number): StoredFile[] {
    return [...this.files.values()].filter((f) => f.expiresAtMs > nowMs).reverse();
  }

  clear(): void {
    this.files.clear();
  }
}

export function fileJson(file: StoredFile, apiUrl: string): Record<string, unknown> {
  return {
    id: file.id,
    // `name` and `etag` (the MD5) are not in the OpenAPI schema, but Replicate answers with them and
    // the official Python client requires them.
    name: file.filename,
    content_type: file.contentType,
    size: file.data.length,
    etag: file.md5,
    checksums: { sha256: file.sha256, md5: file.md5 },
    metadata: file.metadata,
    created_at: new Date(file.createdAtMs).toISOString(),
    expires_at: new Date(file.expiresAtMs).toISOString(),
    urls: { get: `${apiUrl}/files/${file.id}` },
  };
}
