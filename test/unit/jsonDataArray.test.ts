import { describe, expect, test } from 'vitest';
import { InvalidJsonError, JsonDataArrayReader } from '../../lib/jsonDataArray';

/** Feeds `body` to a reader in chunks of `chunkSize` bytes and returns the elements. */
function read(body: string, chunkSize = Number.MAX_SAFE_INTEGER): unknown[] {
  const elements: unknown[] = [];
  const reader = new JsonDataArrayReader((element) => elements.push(element));
  const bytes = Buffer.from(body, 'utf8');
  for (let start = 0; start < bytes.length; start += chunkSize) {
    reader.write(bytes.subarray(start, start + chunkSize));
  }
  reader.end();
  return elements;
}

const TRICKY_BODY = JSON.stringify({
  period: { startDate: 1, endDate: 2, data: ['not this one'] },
  data: [
    { email: 'a@example.com', text: 'braces } ] { [ and "quotes" and \\ backslash', n: -1.5e3 },
    { email: 'b@example.com', nested: { data: [1, 2] }, list: [[], {}], emoji: '🧪 ß 漢字' },
    42,
    'plain string, with comma',
    null,
    true,
  ],
  trailer: 'x',
});

describe('JsonDataArrayReader', () => {
  test.each([1, 2, 3, 7, 64, 100_000])('reads every element in %i-byte chunks', (chunkSize) => {
    expect(read(TRICKY_BODY, chunkSize)).toEqual(JSON.parse(TRICKY_BODY).data);
  });

  test.each([1, 2, 3, 5])('reads backslash runs in %i-byte chunks', (chunkSize) => {
    const body = JSON.stringify({ data: ['\\', '\\\\"', 'x\\"y\\\\', { '\\"': '"\\' }] });
    expect(read(body, chunkSize)).toEqual(JSON.parse(body).data);
  });

  test.each([
    ['empty data', '{"data":[]}', []],
    ['whitespace everywhere', ' \n{ "data" : [ 1 , { "a" : [ ] } , "x" ] \r\n} \n', [1, { a: [] }, 'x']],
    ['data after other keys', '{"period":{"startDate":1},"data":[{"email":"a"}]}', [{ email: 'a' }]],
    ['escaped quote in key', '{"da\\"ta":[1],"data":[2]}', [2]],
    ['strings ending in backslashes', '{"data":["a\\\\","b\\\\\\"c",{"k\\\\":"\\\\"}]}', ['a\\', 'b\\"c', { 'k\\': '\\' }]],
  ])('%s', (_name, body, expected) => {
    expect(read(body as string)).toEqual(expected);
  });

  test.each([
    ['not JSON', '<html>Bad Gateway</html>', 'not a JSON object'],
    ['a JSON array', '[1,2]', 'not a JSON object'],
    ['no data', '{"error":"x"}', 'no "data" array'],
    ['data not an array', '{"data":5}', 'no "data" array'],
    ['truncated', '{"data":[{"email":"a"},{"em', 'truncated'],
    ['truncated inside a string', '{"data":["abc', 'truncated'],
    ['empty body', '', 'empty'],
    ['bad element', '{"data":[{"a":tru}]}', 'element 0'],
    ['content after the object', '{"data":[]} {}', 'after the end'],
  ])('%s is rejected', (_name, body, message) => {
    expect(() => read(body as string)).toThrow(InvalidJsonError);
    expect(() => read(body as string)).toThrow(message as string);
  });

  test.each([1, 3, 17, 100_000])('textOf returns each element as received in %i-byte chunks', (chunkSize) => {
    const elements = ['{ "email" : "a@example.com",  "n": 1.50 }', '"text with \\"quotes\\" and 漢字"', '42', '{"nested":{"data":[1,2]}}'];
    const body = `{"period":{"startDate":1},"data":[ ${elements.join(' , ')} ]}`;
    const reader = new JsonDataArrayReader(() => {});
    const bytes = Buffer.from(body, 'utf8');
    for (let start = 0; start < bytes.length; start += chunkSize) {
      reader.write(bytes.subarray(start, start + chunkSize));
    }
    reader.end();

    expect(elements.map((_, index) => reader.textOf(index))).toEqual(elements);
  });

  test.each([150, 400, 1000])('runs of elements in %i-byte chunks', (chunkSize) => {
    const elements = Array.from({ length: 60 }, (_, index) =>
      index % 7 === 3 ? `{"n":${index},"text":"} ], {\\"tricky\\": [ \\\\"}` : `{"n":${index},"list":[{"a":1},{"b":"x"}]}`,
    );
    const body = `{"data":[${elements.join(',')}],"period":{"startDate":1,"endDate":2}}`;
    const received: unknown[] = [];
    const reader = new JsonDataArrayReader((element) => received.push(element));
    const bytes = Buffer.from(body, 'utf8');
    for (let start = 0; start < bytes.length; start += chunkSize) {
      reader.write(bytes.subarray(start, start + chunkSize));
    }
    reader.end();

    expect(received).toEqual(elements.map((text) => JSON.parse(text)));
    expect(elements.map((_, index) => reader.textOf(index))).toEqual(elements);
  });

  test('one-by-one mode reads the same elements', () => {
    const received: unknown[] = [];
    const reader = new JsonDataArrayReader((element) => received.push(element), false);
    reader.write(Buffer.from(TRICKY_BODY));
    reader.end();
    expect(received).toEqual(JSON.parse(TRICKY_BODY).data);
  });

  test('counts elements', () => {
    const reader = new JsonDataArrayReader(() => {});
    reader.write(Buffer.from('{"data":[1,2,3]}'));
    reader.end();
    expect(reader.elements).toBe(3);
  });
});
