import path from 'node:path';

/** The settings of `npm start`, read once from the environment by `readLocalStackSettings`. */
export interface LocalStackSettings {
  projectDirectory: string;
  /** DATABASE_URL when set; otherwise `npm start` runs the embedded server. */
  databaseUrl: string | undefined;
  embeddedDatabasePort: number;
  /** The folder of the embedded server's data, `<LOCAL_DATA_DIR>/postgres`. */
  databaseDirectory: string;
  cursorApiUrl: string;
  /** True when CURSOR_API_URL is unset or names the local simulator's address. */
  startsSimulator: boolean;
  simulatorPort: number;
  httpPort: number;
  lambdaPort: number;
}

export const LOCAL_STACK_DEFAULTS = {
  embeddedDatabasePort: 54329,
  simulatorPort: 4010,
  httpPort: 3000,
  lambdaPort: 3002,
  dataDirectoryName: '.data',
} as const;

type Environment = Readonly<Record<string, string | undefined>>;

/** The stack's settings could not be read; the message names the variable, the value and the rule. */
export class LocalStackSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalStackSettingsError';
  }
}

/**
 * Reads the settings of the local stack. An empty variable counts as unset,
 * as it does for the service's own configuration.
 */
export function readLocalStackSettings(env: Environment, projectDirectory: string): Readonly<LocalStackSettings> {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const simulatorPort = readPort(read, 'SIMULATOR_PORT', LOCAL_STACK_DEFAULTS.simulatorPort);
  const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
  const configuredApiUrl = read('CURSOR_API_URL');
  const startsSimulator = configuredApiUrl === undefined || isSimulatorUrl(configuredApiUrl, simulatorPort);

  const dataDirectory = path.resolve(
    projectDirectory,
    read('LOCAL_DATA_DIR') ?? LOCAL_STACK_DEFAULTS.dataDirectoryName,
  );

  const settings: LocalStackSettings = {
    projectDirectory,
    databaseUrl: read('DATABASE_URL'),
    embeddedDatabasePort: readPort(read, 'EMBEDDED_DATABASE_PORT', LOCAL_STACK_DEFAULTS.embeddedDatabasePort),
    databaseDirectory: path.join(dataDirectory, 'postgres'),
    cursorApiUrl: configuredApiUrl ?? simulatorUrl,
    startsSimulator,
    simulatorPort,
    httpPort: readPort(read, 'LOCAL_HTTP_PORT', LOCAL_STACK_DEFAULTS.httpPort),
    lambdaPort: readPort(read, 'LOCAL_LAMBDA_PORT', LOCAL_STACK_DEFAULTS.lambdaPort),
  };

  const ports = [
    ['LOCAL_HTTP_PORT', settings.httpPort],
    ['LOCAL_LAMBDA_PORT', settings.lambdaPort],
    ...(startsSimulator ? [['SIMULATOR_PORT', settings.simulatorPort] as const] : []),
    ...(settings.databaseUrl === undefined ? [['EMBEDDED_DATABASE_PORT', settings.embeddedDatabasePort] as const] : []),
  ] as const;
  for (const [index, [name, port]] of ports.entries()) {
    const clash = ports.slice(index + 1).find(([, otherPort]) => otherPort === port);
    if (clash !== undefined) {
      throw new LocalStackSettingsError(`${name} and ${clash[0]} are both ${port}; give each server its own port.`);
    }
  }

  return Object.freeze(settings);
}

function readPort(read: (name: string) => string | undefined, name: string, fallback: number): number {
  const text = read(name);
  if (text === undefined) {
    return fallback;
  }
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new LocalStackSettingsError(`Invalid ${name} "${text}": expected a TCP port number from 1 to 65535.`);
  }
  return port;
}

/** True for the simulator's own address, so that naming it explicitly still starts it. */
function isSimulatorUrl(text: string, simulatorPort: number): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The handlers validate CURSOR_API_URL and report an invalid one.
    return false;
  }
  const simulatorHosts = ['127.0.0.1', 'localhost'];
  return url.protocol === 'http:' && simulatorHosts.includes(url.hostname) && Number(url.port || 80) === simulatorPort;
}
