import os from 'node:os';
import postgres from 'postgres';

export interface MachineDescription {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  os: string;
  node: string;
  postgresql: string;
  database: string;
  /** The 1, 5 and 15 minute load averages when the bench started; other work on the machine skews the figures. */
  loadAverage: number[];
}

export async function describeMachine(serverUrl: string, database: string): Promise<MachineDescription> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ version: string }[]>`select version()`;
    return {
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      cores: os.availableParallelism(),
      memoryBytes: os.totalmem(),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
      postgresql: row?.version ?? 'unknown',
      database,
      loadAverage: os.loadavg(),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
