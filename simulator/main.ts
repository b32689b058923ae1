// `npm run simulator`: the Cursor Admin API simulator as a standalone program,
// configured by SIMULATOR_* environment variables (see simulator/README.md).

import { loadSimulatorConfig } from './config.js';
import { SimulatorConfigError } from './errors.js';
import { startSimulator, type RunningSimulator } from './server.js';

async function main(): Promise<void> {
  let simulator: RunningSimulator;
  try {
    const options = loadSimulatorConfig(process.env);
    simulator = await startSimulator(options);
  } catch (error) {
    if (error instanceof SimulatorConfigError) {
      console.error(`Simulator not started: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`Simulator failed to start: ${reason}. If the port is in use, set SIMULATOR_PORT to a free port.`);
    process.exitCode = 1;
    return;
  }

  const team = simulator.team;
  console.log(
    `Cursor Admin API simulator listening on ${simulator.url} (${team.developers.length} developers, ${team.historyDays} days of history, seed ${team.seed})`,
  );

  const stop = (signal: NodeJS.Signals): void => {
    console.log(`Simulator stopping on ${signal}`);
    simulator.close().then(
      () => console.log('Simulator stopped'),
      (error: unknown) => {
        console.error(`Simulator failed to stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
