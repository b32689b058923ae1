import { describe, expect, test } from 'vitest';
import { loadSimulatorConfig, resolveSimulatorSettings } from '../../simulator/config';
import { SimulatorConfigError } from '../../simulator/errors';

describe('loadSimulatorConfig', () => {
  test('empty environment sets nothing', () => {
    // Act
    const options = loadSimulatorConfig({});

    // Assess
    expect(options).toEqual({});
    expect(Object.isFrozen(options)).toBe(true);
  });

  test('reads every variable', () => {
    // Act
    const options = loadSimulatorConfig({
      SIMULATOR_PORT: ' 4020 ',
      SIMULATOR_SEED: '7',
      SIMULATOR_NOW: '2025-06-18T14:30:00Z',
      SIMULATOR_DEVELOPERS: '10000',
      SIMULATOR_HISTORY_DAYS: '30',
      SIMULATOR_API_KEY: 'key_abc',
      SIMULATOR_RATE_LIMIT_PER_MIN: '0',
      SIMULATOR_FAULTS: '{"latencyMs": 5, "tooManyRequests": {"count": 2}}',
    });

    // Assess
    expect(options.port).toBe(4020);
    expect(options.seed).toBe(7);
    expect(options.now?.().toISOString()).toBe('2025-06-18T14:30:00.000Z');
    expect(options.developers).toBe(10_000);
    expect(options.historyDays).toBe(30);
    expect(options.apiKey).toBe('key_abc');
    expect(options.rateLimitPerMin).toBe(0);
    expect(options.faults).toEqual({ latencyMs: 5, tooManyRequests: { count: 2, retryAfter: 'seconds', retryAfterSeconds: 30 } });
  });

  test.each([
    { variable: 'SIMULATOR_PORT', value: 'http', rule: 'an integer from 0 to 65535' },
    { variable: 'SIMULATOR_PORT', value: '70000', rule: 'an integer from 0 to 65535' },
    { variable: 'SIMULATOR_SEED', value: '-1', rule: 'an integer from 0 to 4294967295' },
    { variable: 'SIMULATOR_SEED', value: '1.5', rule: 'an integer from 0 to 4294967295' },
    { variable: 'SIMULATOR_DEVELOPERS', value: '0', rule: 'an integer from 1 to 100000' },
    { variable: 'SIMULATOR_DEVELOPERS', value: '1e3', rule: 'an integer from 1 to 100000' },
    { variable: 'SIMULATOR_HISTORY_DAYS', value: '0', rule: 'an integer from 1 to 3660' },
    { variable: 'SIMULATOR_RATE_LIMIT_PER_MIN', value: 'none', rule: 'an integer from 0 to 1000000' },
    { variable: 'SIMULATOR_NOW', value: 'yesterday', rule: 'ISO 8601' },
    { variable: 'SIMULATOR_NOW', value: '2025-06-18T14:30:00', rule: 'UTC offset' },
    { variable: 'SIMULATOR_NOW', value: '2025-02-30T00:00:00Z', rule: 'ISO 8601' },
    { variable: 'SIMULATOR_FAULTS', value: '{latency', rule: 'JSON object' },
    { variable: 'SIMULATOR_FAULTS', value: '{"latencyMS": 5}', rule: 'unknown key "latencyMS"' },
    { variable: 'SIMULATOR_FAULTS', value: '{"serverErrors": {"probability": 2}}', rule: '"serverErrors.probability"' },
  ])('$variable=$value is rejected', ({ variable, value, rule }) => {
    // Act
    const load = (): unknown => loadSimulatorConfig({ [variable]: value });

    // Assess
    expect(load).toThrow(SimulatorConfigError);
    expect(load).toThrow(variable);
    expect(load).toThrow(value);
    expect(load).toThrow(rule);
  });

  test('API key with colon rejected without echo', () => {
    // Act
    const load = (): unknown => loadSimulatorConfig({ SIMULATOR_API_KEY: 'secret:part' });

    // Assess
    expect(load).toThrow('SIMULATOR_API_KEY');
    expect(load).not.toThrow('secret');
  });
});

describe('resolveSimulatorSettings', () => {
  test('fills defaults', () => {
    // Act
    const settings = resolveSimulatorSettings({});

    // Assess
    expect(settings.port).toBe(4010);
    expect(settings.seed).toBe(42);
    expect(settings.developers).toBe(100);
    expect(settings.historyDays).toBe(90);
    expect(settings.rateLimitPerMin).toBe(20);
    expect(settings.apiKey).toBeUndefined();
    expect(settings.faults).toEqual({});
    expect(Math.abs(settings.now().getTime() - Date.now())).toBeLessThan(1000);
  });

  test.each([
    { option: 'port', value: -1 },
    { option: 'developers', value: 100_001 },
    { option: 'historyDays', value: 1.5 },
    { option: 'rateLimitPerMin', value: Number.NaN },
  ])('option $option=$value is rejected', ({ option, value }) => {
    // Act
    const resolve = (): unknown => resolveSimulatorSettings({ [option]: value });

    // Assess
    expect(resolve).toThrow(SimulatorConfigError);
    expect(resolve).toThrow(`Option ${option} is ${value}`);
  });

  test('invalid faults option is rejected', () => {
    // Act
    const resolve = (): unknown => resolveSimulatorSettings({ faults: { outage: 5 } as never });

    // Assess
    expect(resolve).toThrow(SimulatorConfigError);
    expect(resolve).toThrow('unknown key "outage"');
  });
});
