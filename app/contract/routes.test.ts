import { describe, expect, it } from 'vitest';
import { METHODS, contract } from './channels';
import { apiPath, methodForApiPath, modelBaseUrl, OSC_EVENTS_ROUTE, modelFileOfSegments, modelFileUrl, readUploadUrl, uploadUrl } from './routes';

const at = (relative: string) => new URL(relative, 'http://127.0.0.1:1');

describe('the contract routes', () => {
  it('reads back the method of every call path it writes, and no other', () => {
    for (const method of METHODS) expect(methodForApiPath(at(apiPath(method)).pathname)).toBe(method);
    expect(methodForApiPath('/api/library%3Anope')).toBeUndefined();
    expect(() => methodForApiPath('/api/%E0%A4%A')).toThrow(URIError);
  });

  it('keeps the OSC event stream apart from every call path', () => {
    expect(OSC_EVENTS_ROUTE.startsWith('/api/')).toBe(true);
    expect(methodForApiPath(OSC_EVENTS_ROUTE)).toBeUndefined();
  });

  it('carries odd file names and the job through the upload URL', () => {
    const name = 'my model & co?#100%.zip';
    const url = at(uploadUrl(name, 'J'.repeat(24)));
    expect(url.pathname).toBe(`/api/${contract.importModel.channel}`);
    expect(readUploadUrl(url)).toEqual({ name, job: 'J'.repeat(24) });
    expect(readUploadUrl(at('/api/library:import?job=x'))).toBeNull();
    expect(readUploadUrl(at('/api/library:list?name=x'))).toBeNull();
  });

  it('names a model file by id and file, whatever characters they hold', () => {
    const url = at(modelFileUrl(modelBaseUrl('my.model_1'), 'weights #1.onnx'));
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    expect(modelFileOfSegments(segments)).toEqual({ modelId: 'my.model_1', file: 'weights #1.onnx' });
    expect(modelFileOfSegments(['models', 'x'])).toBe('malformed');
    expect(modelFileOfSegments(['index.html'])).toBeNull();
  });
});
