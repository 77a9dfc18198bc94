// A real PostgreSQL server for the fleet tests: its own cluster in a temporary folder, on a free
// loopback port, started once per test file and removed after. Debian's `postgresql` package provides
// the binaries (.ci/run installs it); where they are absent the tests skip with a message saying so.
//
// initdb refuses to run as root, so as root the cluster belongs to the `postgres` user the package
// creates (runuser); as anyone else it belongs to that user. Durability is switched off (fsync,
// synchronous_commit): the tests are about transactions and locks, not about surviving a power cut.

import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Where Debian puts the server binaries of its newest installed major version, or null. */
function findBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

const BIN = findBinDir();
const IS_ROOT = process.getuid?.() === 0;
const RUNUSER = '/usr/sbin/runuser';

/** Why the Postgres tests cannot run here, or null when they can. */
export const postgresUnavailable: string | null = !BIN
  ? "PostgreSQL's server binaries are absent (install Debian's postgresql: apt-get install -y postgresql)"
  : IS_ROOT && !existsSync(RUNUSER)
    ? 'running as root without runuser, so initdb cannot run as the postgres user'
    : null;

if (postgresUnavailable) console.warn(`fleet Postgres tests skipped: ${postgresUnavailable}`);

export interface TestPostgres {
  /** `postgres://` URL of the cluster's maintenance database. */
  readonly adminUrl: string;
  readonly port: number;
  /** A new, empty database; returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Runs a server binary as the cluster's owner. */
function asOwner(binary: string, args: string[]) {
  const file = join(BIN as string, binary);
  return IS_ROOT ? run(RUNUSER, ['-u', 'postgres', '--', file, ...args]) : run(file, args);
}

/** Starts a private cluster. Call only when {@link postgresUnavailable} is null. */
export async function startPostgres(): Promise<TestPostgres> {
  if (postgresUnavailable) throw new Error(postgresUnavailable);
  const dir = await mkdtemp(join(tmpdir(), 'replicate-media-pg-'));
  const data = join(dir, 'data');
  if (IS_ROOT) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    await chmod(dir, 0o700);
  }
  await asOwner('initdb', [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--no-sync',
    '--no-instructions',
  ]);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${dir}'`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=100',
  ].join(' ');
  const stopCluster = () => asOwner('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
  try {
    await asOwner('pg_ctl', ['-D', data, '-o', settings, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  } catch (error) {
    await stopCluster();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let databases = 0;
  return {
    adminUrl,
    port,
    async createDatabase() {
      const name = `fleet_test_${++databases}`;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await stopCluster();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
