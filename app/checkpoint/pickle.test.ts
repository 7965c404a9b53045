import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { pythonJson, pythonMissing } from '../../test-support/python';
import { isTuple, PYTHON_GLOBALS, readPickle, toPlain } from './pickle';
import { NVIDIA_GLOBALS, readNvidiaGenerator } from './nvidia';
import { CheckpointError } from './snapshot';

const tmp = mkdtempSync(path.join(tmpdir(), 'pickle-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const pythonAbsent = pythonMissing('numpy');

/** Opcodes as bytes (latin-1 text), for hand-written pickles. */
function bytes(...parts: (string | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'string') for (const ch of part) out.push(ch.charCodeAt(0));
    else out.push(...part);
  }
  return Uint8Array.from(out);
}

const read = (data: Uint8Array) => readPickle(data, { globals: NVIDIA_GLOBALS }).value;

/** A reader-agnostic picture of a value, to compare with Python's (tuples and lists told apart, sets unordered). */
function tag(value: unknown): unknown {
  if (value === null) return { none: true };
  if (typeof value === 'boolean') return { bool: value };
  if (typeof value === 'number') return { num: Number.isNaN(value) ? 'nan' : value === Infinity ? 'inf' : value === -Infinity ? '-inf' : value };
  if (typeof value === 'bigint') return { big: value.toString() };
  if (typeof value === 'string') return { str: value };
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('hex') };
  if (isTuple(value)) return { tuple: value.map(tag) };
  if (Array.isArray(value)) return { list: value.map(tag) };
  if (value instanceof Map) return { dict: [...value].map(([k, v]) => [tag(k), tag(v)]) };
  if (value instanceof Set) return { set: [...value].map(tag) };
  throw new Error(`untaggable ${String(value)}`);
}

/** Sets compare unordered: sort their members by their JSON text, on both sides alike. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, normalise(v)] as const);
    const out = Object.fromEntries(entries) as Record<string, unknown>;
    if (Array.isArray(out.set)) out.set = [...out.set].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    return out;
  }
  return value;
}

const PYTHON_VALUES = String.raw`
import base64, collections, json, math, pickle, random, sys
rng = random.Random(int(sys.argv[1]))
SAFE = 2 ** 53 - 1

def tag(v):
    if v is None: return {'none': True}
    if isinstance(v, bool): return {'bool': v}
    if isinstance(v, int): return {'num': v} if abs(v) <= SAFE else {'big': str(v)}
    if isinstance(v, float): return {'num': 'nan' if math.isnan(v) else 'inf' if v == math.inf else '-inf' if v == -math.inf else v}
    if isinstance(v, str): return {'str': v}
    if isinstance(v, (bytes, bytearray)): return {'bytes': bytes(v).hex()}
    if isinstance(v, tuple): return {'tuple': [tag(x) for x in v]}
    if isinstance(v, list): return {'list': [tag(x) for x in v]}
    if isinstance(v, dict): return {'dict': [[tag(k), tag(x)] for k, x in v.items()]}
    if isinstance(v, (set, frozenset)): return {'set': [tag(x) for x in v]}
    raise TypeError(type(v))

def scalar():
    kind = rng.randrange(9)
    if kind == 0: return rng.choice([None, True, False])
    if kind == 1: return rng.randint(-300, 300)
    if kind == 2: return rng.choice([2 ** 31, -2 ** 31 - 1, 2 ** 53, -2 ** 63, 2 ** 100, -(2 ** 200) + 7, rng.randint(-2 ** 70, 2 ** 70)])
    if kind == 3: return rng.choice([0.0, -0.0, 1.5, -1e-300, 1e300, math.inf, -math.inf, math.nan, rng.gauss(0, 1)])
    if kind == 4: return ''.join(rng.choice('aé✓𝄞\n\x00 ') for _ in range(rng.choice([0, 3, 300])))
    if kind == 5: return bytes(rng.randrange(256) for _ in range(rng.choice([0, 5, 300])))
    if kind == 6: return bytearray(rng.randrange(256) for _ in range(rng.choice([0, 4])))
    if kind == 7: return rng.randrange(256)
    return 'x' * rng.choice([1, 255, 256, 70000])

def value(depth=0):
    if depth > 3 or rng.random() < 0.35: return scalar()
    kind = rng.randrange(7)
    n = rng.choice([0, 1, 2, 3, 5, 1200]) if depth == 0 else rng.randrange(5)
    if kind == 0: return [value(depth + 1) for _ in range(n)]
    if kind == 1: return tuple(value(depth + 1) for _ in range(n))
    if kind == 2: return {rng.choice([str(i), i, (i, 'k')]): value(depth + 1) for i in range(n)}
    if kind == 3: return collections.OrderedDict((f'k{i}', value(depth + 1)) for i in range(n))
    if kind == 4: return {rng.choice([i, f's{i}', (i,)]) for i in range(n)}
    if kind == 5: return frozenset(range(n))
    shared = [value(depth + 1)]
    return [shared, shared, (shared,)]  # memo references

cases = []
for i in range(40):
    v = value()
    for protocol in (2, 3, 4, 5):
        cases.append(dict(protocol=protocol, pickle=base64.b64encode(pickle.dumps(v, protocol=protocol)).decode(), value=tag(v)))
print(json.dumps(cases))
`;

describe.skipIf(pythonAbsent)('readPickle against Python pickle.dumps', () => {
  it.each([1, 2, 3])('reads varied values at protocols 2–5 to what Python pickled (seed %i)', (seed) => {
    const cases = pythonJson<{ protocol: number; pickle: string; value: unknown }[]>(PYTHON_VALUES, String(seed));
    expect(cases.length).toBe(160);
    for (const c of cases) {
      const value = readPickle(new Uint8Array(Buffer.from(c.pickle, 'base64')), { globals: PYTHON_GLOBALS }).value;
      expect(normalise(tag(value)), `protocol ${c.protocol}`).toEqual(normalise(c.value));
    }
  });
});

describe('readPickle refuses what it does not allow', () => {
  const marker = path.join(tmp, 'ran');
  const attacks = String.raw`
import base64, builtins, collections, json, os, pickle, subprocess, sys
marker = sys.argv[1]
class Call:
    def __init__(self, f, *args): self.f, self.args = f, args
    def __reduce__(self): return (self.f, self.args)
class Built:  # the payload inside the BUILD state of an allowed class
    def __reduce__(self): return (collections.OrderedDict, (), {'state': Call(os.system, f'touch {marker}')})
cases = {
  'os.system': Call(os.system, f'touch {marker}'),
  'builtins.eval': {'G_ema': [Call(builtins.eval, f'open({marker!r}, "w")')]},
  'builtins.exec': (1, Call(builtins.exec, f'open({marker!r}, "w")')),
  'subprocess.Popen': Call(subprocess.Popen, ['touch', marker]),
  'os.system in BUILD': Built(),
}
print(json.dumps({k: base64.b64encode(pickle.dumps(v, protocol=4)).decode() for k, v in cases.items()}))
`;

  it.skipIf(pythonAbsent)('refuses REDUCE of os.system, eval, exec and subprocess.Popen (also inside BUILD and NEWOBJ), naming the global, running nothing', () => {
    const cases = pythonJson<Record<string, string>>(attacks, marker);
    // os.system pickles under its defining module: posix on Linux, nt on Windows.
    const names: Record<string, RegExp> = {
      'os.system': /calls (posix|nt|os)\.system, which a network checkpoint never needs; it was not run/,
      'builtins.eval': /calls builtins\.eval/,
      'builtins.exec': /calls builtins\.exec/,
      'subprocess.Popen': /calls subprocess\.Popen/,
      'os.system in BUILD': /calls (posix|nt|os)\.system/,
    };
    for (const [name, data] of Object.entries(cases)) {
      expect(() => read(new Uint8Array(Buffer.from(data, 'base64'))), name).toThrow(names[name]!);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it.each([
    ['GLOBAL os.system', bytes([0x80, 2], 'cos\nsystem\n', 'X', [4, 0, 0, 0], 'echo', [0x85], 'R.'), /calls os\.system/],
    ['STACK_GLOBAL builtins.getattr', bytes([0x80, 4, 0x8c, 8], 'builtins', [0x8c, 7], 'getattr', [0x93], ')R.'), /calls builtins\.getattr/],
    ['builtins.eval as a NEWOBJ argument of an allowed class', bytes([0x80, 2], 'ccollections\nOrderedDict\n', 'cbuiltins\neval\n', 'X', [1, 0, 0, 0], '1', [0x85], 'R', [0x85, 0x81], '.'), /calls builtins\.eval/],
    ['GLOBAL torch.load', bytes([0x80, 2], 'ctorch\nload\n', ')R.'), /calls torch\.load/],
    ['an allowed function used as a class', bytes([0x80, 2], 'ctorch._utils\n_rebuild_tensor_v2\n', ')', [0x81], '.'), /allowed only as a function/],
    ['REDUCE of a non-global', bytes([0x80, 2], 'K', [1], ')R.'), /applies something that is not a global/],
    ['a persistent id outside torch.save', bytes([0x80, 2], 'K', [1], 'Q.'), /persistent id/],
    ['protocol 0 INST', bytes('(ios\nsystem\n.'), /opcode INST/],
    ['an unknown opcode', bytes([0x80, 2, 0xff]), /unknown opcode 0xff/],
    ['a memo entry never stored', bytes([0x80, 2], 'h', [7], '.'), /memo entry 7/],
    ['STOP with two values', bytes([0x80, 2], 'NN.'), /leaves 2 values/],
    ['a string longer than the file', bytes([0x80, 4, 0x8d, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0], 'abc'), /ends early/],
    ['a frame longer than the file', bytes([0x80, 4, 0x95, 100, 0, 0, 0, 0, 0, 0, 0], 'N.'), /frame .* longer than the rest/],
    ['a list used as a dict key', bytes([0x80, 2], '}]Ns.'), /list as a dict key/],
    ['protocol 6', bytes([0x80, 6], 'N.'), /pickle protocol 6/],
    ['no STOP', bytes([0x80, 2], 'N'), /ends early/],
  ])('refuses %s', (_name, data, message) => {
    expect(() => read(data)).toThrow(CheckpointError);
    expect(() => read(data)).toThrow(message);
  });

  it('bounds walking what the file built: self-reference and exponential sharing end in an error, not a hang', () => {
    // l = []; l.append(l)
    const cyclic = read(bytes([0x80, 2], ']q', [0], 'h', [0], 'a.'));
    expect(() => toPlain(cyclic, 'the value')).toThrow(/contains itself/);
    // l0 = [1]; l(n+1) = [ln, ln]: 2^60 leaves from 60 memo references.
    const parts: (string | number[])[] = [[0x80, 2], ']q', [0], 'K', [1], 'a0'];
    for (let i = 0; i < 60; i++) parts.push('(h', [i], 'h', [i], 'lq', [i + 1], '0');
    parts.push('h', [60], '.');
    const shared = read(bytes(...parts));
    expect(() => toPlain(shared, 'the value')).toThrow(/expands to more than/);
  });
});

/** Reading must end in a value or a CheckpointError: never another exception. */
function readsOrRefuses(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof CheckpointError) return true;
    throw error;
  }
}

describe('readPickle on damaged input (property tests)', () => {
  const body = bytes(
    '}', [0x94], '(', [0x8c, 1], 'a', 'K', [7], [0x8c, 1], 'b', ']', [0x94], '(', 'G', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0],
    'N', [0x88], 'e', [0x8c, 1], 'c', 'C', [3, 1, 2, 3], [0x8c, 1], 'd', [0x8f], '(', 'K', [1], [0x90], 'u.',
  );
  const sample = bytes([0x80, 4, 0x95, body.length, 0, 0, 0, 0, 0, 0, 0], [...body]);

  it('reads the sample it mutates', () => {
    expect(tag(read(sample))).toEqual(tag(new Map<unknown, unknown>([['a', 7], ['b', [1.5, null, true]], ['c', Uint8Array.of(1, 2, 3)], ['d', new Set([1])]])));
  });

  it('random bytes: a value or a CheckpointError, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (data) => readsOrRefuses(() => read(data))), { numRuns: 3000 });
  });

  it('random opcode soup after a PROTO header: a value or a CheckpointError', () => {
    const op = fc.constantFrom(...'()0123FIJKLMNPQRTUXabcde}ghjl]pqrstu'.split('').map((c) => c.charCodeAt(0)), 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x8f, 0x90, 0x91, 0x93, 0x94, 0x95);
    const data = fc.array(fc.oneof(op, fc.integer({ min: 0, max: 255 })), { maxLength: 120 }).map((ops) => Uint8Array.from([0x80, 4, ...ops, 0x2e]));
    fc.assert(fc.property(data, (d) => readsOrRefuses(() => read(d))), { numRuns: 3000 });
  });

  it('every truncation of a valid pickle is refused as truncated', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sample.length - 1 }), (cut) => {
        expect(() => read(sample.subarray(0, cut))).toThrow(/ends early|truncated|empty stack|needs a MARK/);
      }),
      { numRuns: 1000 },
    );
  });

  it('mutated pickles: a value or a CheckpointError', () => {
    const mutation = fc.array(fc.tuple(fc.nat(sample.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(mutation, (changes) => {
        const data = sample.slice();
        for (const [at, value] of changes) data[at] = value;
        return readsOrRefuses(() => read(data));
      }),
      { numRuns: 3000 },
    );
  });
});

describe.skipIf(pythonMissing('torch', 'numpy'))('damaged network pickles (property test)', () => {
  it('mutated and truncated NVIDIA pickles are read or refused with a CheckpointError, never anything else', async () => {
    const { writeCheckpointFixtures } = await import('../../test-support/checkpoints');
    const fixtures = writeCheckpointFixtures();
    try {
      const original = fixtures.file('stylegan3-t.pkl');
      const damaged = fc.oneof(
        fc.array(fc.tuple(fc.nat(original.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((changes) => {
          const data = original.slice();
          for (const [at, value] of changes) data[at] = value;
          return data;
        }),
        fc.nat(original.length - 1).map((cut) => original.slice(0, cut)),
      );
      fc.assert(fc.property(damaged, (data) => readsOrRefuses(() => readNvidiaGenerator(data))), { numRuns: 1000 });
    } finally {
      fixtures.remove();
    }
  }, 300_000);
});
