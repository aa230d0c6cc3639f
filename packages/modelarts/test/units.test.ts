// Pure parts: configuration, refs, line timestamps, page cuts, v1 chunk interpretation, OBS URLs.
import { LogLines, recordArray, resolveSettings, RunlensError } from '@runlens/core';
import { describe, expect, it } from 'vitest';
import { outputsOf, parseObsUrl } from '../src/artifacts.js';
import { endpointForRegion, readConfig } from '../src/config.js';
import { modelartsProvider, type ModelartsSettings } from '../src/index.js';
import { parseLossless, topLevelMembers } from '../src/json.js';
import { utf8Boundary } from '@runlens/core';
import { cutLines, decodeLines, LineParser, pageRecords, splitLines, toRecords } from '../src/lines.js';
import { interpretChunk, nodeOfFile } from '../src/logs-v1.js';
import { parseJobRef } from '../src/refs.js';

const CREDS = { HUAWEICLOUD_SDK_AK: 'ak', HUAWEICLOUD_SDK_SK: 'sk', HUAWEICLOUD_SDK_PROJECT_ID: 'p1' };
/** Configuration as the adapter gets it: settings parsed by core (declared variables under the given settings), then readConfig. */
const load = (env: Record<string, string | undefined>, settings: Record<string, unknown> = {}) =>
  readConfig({ env, settings: resolveSettings(modelartsProvider, settings, env) as ModelartsSettings });
const config = (env: Record<string, string | undefined>, settings: Record<string, unknown> = {}) => load({ ...CREDS, ...env }, settings);
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return RunlensError.isInstance(e) ? e.code : String(e);
  }
  return 'ok';
};

describe('configuration', () => {
  it('derives the endpoint from the region, with ap-southeast-1 under .myhuaweicloud.cn', () => {
    expect(config({ HUAWEICLOUD_REGION: 'cn-north-4' }).endpoint).toBe('https://modelarts.cn-north-4.myhuaweicloud.com');
    expect(endpointForRegion('ap-southeast-1')).toBe('https://modelarts.ap-southeast-1.myhuaweicloud.cn');
    expect(config({ HUAWEICLOUD_REGION: 'cn-north-4' }, { region: 'ap-southeast-3' }).endpoint).toBe('https://modelarts.ap-southeast-3.myhuaweicloud.com');
    expect(config({ HUAWEICLOUD_REGION: 'cn-north-4' }).obsEndpoint).toBe('https://obs.cn-north-4.myhuaweicloud.com');
  });

  it('accepts http:// only for loopback hosts', () => {
    for (const ok of ['http://127.0.0.1:8080', 'http://127.3.2.1', 'http://localhost:1', 'http://[::1]:9', 'https://modelarts.example.com/']) {
      expect(codeOf(() => config({ MODELARTS_ENDPOINT: ok })), ok).toBe('ok');
    }
    for (const bad of ['http://10.0.0.1', 'http://modelarts.example.com', 'ftp://127.0.0.1', 'not a url', 'https://x.example.com/?a=1']) {
      expect(codeOf(() => config({ MODELARTS_ENDPOINT: bad })), bad).toBe('InvalidInput');
    }
    expect(config({ MODELARTS_ENDPOINT: 'https://modelarts.example.com/' }).endpoint).toBe('https://modelarts.example.com');
  });

  it('names what is missing', () => {
    expect(codeOf(() => load({ HUAWEICLOUD_REGION: 'cn-north-4' }))).toBe('AuthError');
    expect(codeOf(() => load({ HUAWEICLOUD_SDK_AK: 'a', HUAWEICLOUD_REGION: 'cn-north-4', HUAWEICLOUD_SDK_PROJECT_ID: 'p' }))).toBe('AuthError');
    expect(codeOf(() => config({}))).toBe('InvalidInput');
    expect(codeOf(() => config({ HUAWEICLOUD_REGION: 'Not A Region' }))).toBe('InvalidInput');
    expect(config({ HUAWEICLOUD_REGION: 'cn-north-4', HUAWEICLOUD_SDK_AK: undefined, HUAWEICLOUD_SDK_SK: undefined, HUAWEICLOUD_SDK_IAM_TOKEN: 'tok' }).credentials).toEqual({ kind: 'token', token: 'tok' });
  });

  it('claims console URLs and is configured only with credentials and a project', () => {
    expect(modelartsProvider.claim?.('https://console.huaweicloud.com/modelarts/?region=cn-north-4#/trainingJobs/2cd88daa-31a4-40a8-a58f-d186b0e93e4f')).toBe('2cd88daa-31a4-40a8-a58f-d186b0e93e4f');
    const view = (env: Record<string, string | undefined>, settings: Record<string, unknown> = {}) => ({ env, settings: resolveSettings(modelartsProvider, settings, env) as ModelartsSettings });
    expect(modelartsProvider.isConfigured?.(view({ ...CREDS, HUAWEICLOUD_REGION: 'cn-north-4' }))).toBe(true);
    expect(modelartsProvider.isConfigured?.(view(CREDS, { region: 'cn-north-4' }))).toBe(true);
    expect(modelartsProvider.isConfigured?.(view(CREDS))).toBe(false);
    expect(modelartsProvider.isConfigured?.(view({ HUAWEICLOUD_SDK_AK: 'a', HUAWEICLOUD_REGION: 'cn-north-4' }))).toBe(false);
  });
});

describe('refs', () => {
  it('tells v2 ids from v1 job/version pairs', () => {
    expect(parseJobRef('2cd88daa-31a4-40a8-a58f-d186b0e93e4f')).toEqual({ kind: 'v2', id: '2cd88daa-31a4-40a8-a58f-d186b0e93e4f' });
    expect(parseJobRef('182626/278813')).toEqual({ kind: 'v1', jobId: '182626', versionId: '278813' });
    expect(codeOf(() => parseJobRef('a/b'))).toBe('InvalidInput');
    expect(codeOf(() => parseJobRef('x?y'))).toBe('InvalidInput');
  });
});

describe('line timestamps', () => {
  const parser = new LineParser(8 * 60);
  it('reads ModelArts service stamps as China time and keeps the message whole', () => {
    expect(parser.parse('[ModelArts Service Log][INFO][2021/05/18 14:28:14,207]: output-handler finalized')).toEqual({
      timestamp: Date.UTC(2021, 4, 18, 6, 28, 14, 207),
      message: '[ModelArts Service Log][INFO][2021/05/18 14:28:14,207]: output-handler finalized',
    });
    expect(parser.parse('[Modelarts Service Log][2021/05/18 14:28:14]x').timestamp).toBe(Date.UTC(2021, 4, 18, 6, 28, 14));
    expect(parser.parse('[Modelarts Service Log]exit with 0').timestamp).toBeUndefined();
  });

  it('strips an RFC 3339 prefix (kubectl --timestamps) and honours its zone and fraction', () => {
    expect(parser.parse('2026-01-05T10:00:00.007Z [INFO] step')).toEqual({ timestamp: Date.UTC(2026, 0, 5, 10, 0, 0, 7), message: '[INFO] step' });
    expect(parser.parse('2026-01-05T18:00:00.123456789+08:00 x')).toEqual({ timestamp: Date.UTC(2026, 0, 5, 10, 0, 0, 123), message: 'x' });
  });

  it('reads Python logging stamps (zone-less: China time) without touching the message', () => {
    expect(parser.parse('2021-05-18 14:28:14,207 INFO train')).toEqual({ timestamp: Date.UTC(2021, 4, 18, 6, 28, 14, 207), message: '2021-05-18 14:28:14,207 INFO train' });
    expect(new LineParser(0).parse('2021-05-18 14:28:14 x').timestamp).toBe(Date.UTC(2021, 4, 18, 14, 28, 14));
    expect(parser.parse('2021-13-45 99:00:00 nonsense').timestamp).toBeUndefined();
    expect(parser.parse('Epoch 1/3 step 100').timestamp).toBeUndefined();
  });
});

describe('line timestamps read from the seconds on', () => {
  it('a line that starts like the last stamped one up to the minute reads as it would alone', () => {
    const heads = ['[ModelArts Service Log][INFO][2021/05/18 14:28', '[Modelarts Service Log][2021/05/18 14:28', '[2021-05-18 14:28', '2021-05-18 14:28', '2021-05-18T14:28', '2021-05-18T14:29'];
    const tails = [':14,207]: done', ':14]x', ':14', ':1', ':61 x', ':60 x', ':ab x', ':14.5Z step', ':14Z step', ':14+08:00 x', ':14.123456789-0130 x', ':14 x', ':14x', ':14123', ':14,207 INFO', ':14Z', ':14.9', ' 14', ''];
    const lines: string[] = [];
    // Runs of one head with every tail after every other, and heads changing in between.
    for (let i = 0; i < 2_000; i++) lines.push(`${heads[Math.floor(i / 40) % heads.length]}${tails[(i * 7) % tails.length]}`);
    lines.push('Epoch 1/3', '2021-05-18 14:28:14 a', '2021-05-18 14:28:14 b');
    const shared = new LineParser(8 * 60);
    for (const line of lines) {
      const alone = new LineParser(8 * 60);
      expect([line, shared.parse(line)]).toEqual([line, alone.parse(line)]);
    }
  });
});

describe('page cuts', () => {
  it('cuts after whole lines within the limits, keeps a partial line unless the log ended', () => {
    const buf = Buffer.from('a\nbb\nccc');
    expect(cutLines(buf, 10, 100, false)).toEqual({ end: 5, partialTail: false });
    expect(cutLines(buf, 10, 100, true)).toEqual({ end: 8, partialTail: true });
    expect(cutLines(buf, 1, 100, true)).toEqual({ end: 2, partialTail: false });
    expect(cutLines(buf, 10, 4, true)).toEqual({ end: 2, partialTail: false });
  });

  it('splits a line longer than a page at a character boundary', () => {
    const buf = Buffer.from('训练训练训练\n');
    expect(utf8Boundary(buf, 4)).toBe(3);
    expect(cutLines(buf, 10, 8, false)).toEqual({ end: 6, partialTail: true });
  });
});

describe('v1 chunks', () => {
  it('backs off over a character cut at the end of a full chunk, whatever the answer shape', () => {
    const text = `${'a'.repeat(2047)}\uFFFD`;
    expect(interpretChunk({ text, bytes: 2048 }, 2048, false)).toEqual({ text: 'a'.repeat(2047), consumed: 2047, eof: false });
    expect(interpretChunk({ text: `${'a'.repeat(2046)}\uFFFD`, bytes: 2048 }, 2048, false)).toEqual({ text: 'a'.repeat(2046), consumed: 2046, eof: false });
    expect(interpretChunk({ text }, 2048, false)).toEqual({ text: 'a'.repeat(2047), consumed: 2047, eof: false });
  });

  it('keeps a real U+FFFD at the end of a finished log and reads numbers given as strings', () => {
    expect(interpretChunk({ text: 'x\uFFFD', bytes: 4 }, 2048, true)).toEqual({ text: 'x\uFFFD', consumed: 4, eof: true });
    expect(interpretChunk({ text: 'abc', bytes: 3 }, 2048, false)).toEqual({ text: 'abc', consumed: 3, eof: true });
  });

  it('names nodes after the file suffix and parses 19-digit numbers losslessly', () => {
    expect(nodeOfFile('job-job-0713-191758.1')).toBe('worker-1');
    expect(nodeOfFile('train.log')).toBe('train.log');
    expect(parseLossless('{"start_line":1551252759254000002,"lines":"1","x":2.5}')).toEqual({ start_line: '1551252759254000002', lines: '1', x: 2.5 });
  });
});

describe('outputs', () => {
  it('parses obs://, s3:// and /bucket/prefix/ forms', () => {
    expect(parseObsUrl('obs://bkt/a/b/')).toEqual({ bucket: 'bkt', prefix: 'a/b/' });
    expect(parseObsUrl('/bkt/a/b')).toEqual({ bucket: 'bkt', prefix: 'a/b/' });
    expect(parseObsUrl('s3://bkt')).toEqual({ bucket: 'bkt', prefix: '' });
    const detail = { algorithm: { outputs: [{ name: 'a', remote: { obs: { obs_url: 'obs://b1/p/' } } }, { name: 'b', remote: { obs: { obs_url: '/b2/q/' } } }] } };
    expect(outputsOf(detail, { kind: 'v2', id: 'x' })).toEqual([
      { name: 'a', bucket: 'b1', prefix: 'p/' },
      { name: 'b', bucket: 'b2', prefix: 'q/' },
    ]);
  });
});

describe('pageRecords', () => {
  it('gives the records toRecords gives for the decoded lines, in ASCII pieces (read as bytes) and others', () => {
    const forms = [
      (i: number) => `[ModelArts Service Log][INFO][2021/05/18 14:${String(28 + (i % 3)).padStart(2, '0')}:14,${i % 1000}] step ${i}`,
      (i: number) => `2026-01-05T10:00:${String(i % 60).padStart(2, '0')}.007Z [INFO] step ${i}\r`,
      (i: number) => `2026-01-05T10:00:00 no zone ${i}`,
      (i: number) => `2021-05-18 14:28:14,207${i % 2 ? '' : '9'} INFO ${i}`,
      (i: number) => `[2021-05-18 14:28:1${i % 10}] bracket`,
      (i: number) => `plain ${i}`,
      (i: number) => (i % 500 === 0 ? `é ${i} 中😀` : `[Modelarts Service Log][2021/05/18 14:28:14]x ${i}`),
      () => '',
      () => '\r',
      // A level of 20 (or 45) non-ASCII characters: its length is counted in characters, not bytes.
      (i: number) => `[ModelArts Service Log][${'信'.repeat(i % 2 ? 20 : 45)}][2021/05/18 14:28:14,${i % 1000}] level`,
      (i: number) => `[ModelArts Service Log][${'😀'.repeat(i % 2 ? 20 : 21)}][2021/05/18 14:28:14,${i % 1000}] astral`,
    ];
    const lines = Array.from({ length: 12_000 }, (_, i) => forms[(i * 7 + Math.floor(i / 13)) % forms.length]!(i));
    lines.splice(5_000, 0, `2026-01-05T10:00:00Z ${'y'.repeat(100_000)}`);
    for (const tail of ['\n', 'partial 2026-01-05T10:00:00Z x', '\nnot UTF-8 \udc00']) {
      // A lone surrogate is encoded as EF BF BD by Buffer.from; the bytes below are really invalid.
      const text = Buffer.from(lines.join('\n') + tail, 'utf8');
      const bytes = tail.includes('not UTF-8') ? Buffer.concat([text, Buffer.from([0xff, 0xc3, 0x28])]) : text;
      const expected = toRecords(decodeLines(bytes, bytes.length), 'n', 7, new LineParser(480));
      const page = pageRecords(bytes, bytes.length, 'n', 7, new LineParser(480));
      const got = { carry: page.carry, records: recordArray(page.records) };
      // Valid UTF-8 comes as LogLines over the page's bytes.
      expect(page.records instanceof LogLines).toBe(!tail.includes('not UTF-8'));
      expect(got.carry).toBe(expected.carry);
      expect(got.records.length).toBe(expected.records.length);
      const differ = got.records.findIndex((r, i) => JSON.stringify(r) !== JSON.stringify(expected.records[i]));
      expect(differ === -1 ? undefined : [got.records[differ], expected.records[differ]]).toBeUndefined();
    }
  });
});

describe('decodeLines', () => {
  it('gives the lines splitLines gives for the whole text, across 64 KiB pieces, multi-byte characters and overlong lines', () => {
    const lines = [
      ...Array.from({ length: 3_000 }, (_, i) => `line ${i} ${'é中😀'.repeat(i % 7)} ${'x'.repeat(i % 50)}`),
      '',
      'y'.repeat(200_000),
      '中'.repeat(70_000),
      '',
      'last',
    ];
    for (const tail of ['\n', '', 'partial ünfinished']) {
      const text = lines.join('\n') + tail;
      const bytes = Buffer.from(text, 'utf8');
      expect(decodeLines(bytes, bytes.length)).toEqual(splitLines(text));
    }
    const text = 'a\nb\nc\n';
    expect(decodeLines(Buffer.from(text), 4)).toEqual(['a', 'b']);
    expect(decodeLines(Buffer.alloc(0), 0)).toEqual([]);
  });
});

describe('topLevelMembers (a large answer read without parsing its big string)', () => {
  const read = (text: string) => topLevelMembers(Buffer.from(text, 'utf8'));
  it('gives each member as JSON.parse of the whole object would', () => {
    const objects = [
      { content: 'a "quoted" \\ line\nand é, 中, 😀', current_size: 10, full_size: 12 },
      { context: '\\', full_size: '12', flag: true, nothing: null, n: -1.5e3 },
      { content: 'ends with a backslash \\' },
      {},
    ];
    for (const object of objects) {
      for (const text of [JSON.stringify(object), JSON.stringify(object, null, 2)]) {
        const members = read(text);
        expect(members, text).toBeDefined();
        for (const [key, value] of Object.entries(object)) expect(members!.value(key)).toEqual(value);
        expect(members!.value('missing')).toBeUndefined();
      }
    }
    // The last of a key given twice, as JSON.parse.
    expect(read('{"a":1,"a":2}')!.value('a')).toBe(2);
  });

  it('declines nested values and text that is not one flat object, for the caller to parse whole', () => {
    for (const text of ['{"a":{"b":1}}', '{"a":[1]}', '[1]', '"x"', '{"a":1', '{"a":1} x', '{"a" 1}', '{"a":1,}', '{"a":"unterminated}', '', '{a:1}']) {
      expect(read(text), text).toBeUndefined();
    }
  });

  it('does not parse a member until it is read: a bad one fails only then', () => {
    const members = read('{"content":"bad \\q escape","full_size":7}')!;
    expect(members.value('full_size')).toBe(7);
    expect(() => members.value('content')).toThrow(SyntaxError);
  });
});

describe('settings (core parses them with the definition schema)', () => {
  const message = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return RunlensError.isInstance(e) ? `${e.code}: ${e.message}` : String(e);
    }
    return 'ok';
  };

  it('fails a bad value in one line naming the key and its flag, never the value of a credential', () => {
    expect(message(() => config({}, { region: 'Not A Region' }))).toMatch(/^InvalidInput: .*'modelarts'.*region \(--region\): must be a region/);
    expect(message(() => config({ HUAWEICLOUD_SDK_PROJECT_ID: 'bad project!' }))).toMatch(/projectId \(--modelarts-project\): must be 1-64/);
    expect(message(() => config({ MODELARTS_ENDPOINT: 'http://10.0.0.1' }))).toMatch(/endpoint \(--modelarts-endpoint\): must use https:\/\//);
    expect(message(() => config({ HUAWEICLOUD_REGION: 'cn-north-4' }, { pageBytes: 0 }))).toMatch(/pageBytes: must be at least 1/);
    expect(message(() => config({ HUAWEICLOUD_REGION: 'cn-north-4' }, { pageLines: 'many' }))).toMatch(/pageLines: expected number/);
    expect(message(() => config({ HUAWEICLOUD_REGION: 'cn-north-4', HUAWEICLOUD_SDK_SK: 'sekrit-value' }, { logUtcOffsetMinutes: 10_000 }))).not.toMatch(/sekrit/);
  });

  it('rejects unknown settings, and follow knobs and test hooks are not settings', () => {
    for (const key of ['statusPollMs', 'followPollMs', 'streamDiscoveryMs', 'dispatcher', 'clock', 'regoin']) {
      expect(message(() => config({ HUAWEICLOUD_REGION: 'cn-north-4' }, { [key]: 1 })), key).toMatch(new RegExp(`InvalidInput: .*unknown setting '${key}'`));
    }
  });

  it('takes the caller settings over the declared variables', () => {
    const c = config({ HUAWEICLOUD_REGION: 'cn-north-4', HUAWEICLOUD_SDK_PROJECT_ID: 'from-env' }, { projectId: 'from-flag', obsEndpoint: 'http://127.0.0.1:9000/' });
    expect(c.projectId).toBe('from-flag');
    expect(c.obsEndpoint).toBe('http://127.0.0.1:9000');
    expect(c.pageBytes).toBe(1024 * 1024);
    expect(c.logUtcOffsetMinutes).toBe(480);
  });
});
