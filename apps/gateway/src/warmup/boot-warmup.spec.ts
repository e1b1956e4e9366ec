import { UpstreamHttpClient } from '../upstream/upstream-http.client';
import { warmSchemas, warmUpstreamClient } from './boot-warmup';
import { WARMUP_SAMPLES } from './warmup-samples';

describe('boot warm-up', () => {
  it('every sample is one its schema accepts (a refused one would leave the paths it stands for cold)', () => {
    expect(warmSchemas(WARMUP_SAMPLES)).toEqual([]);
    for (const { schema, sample } of WARMUP_SAMPLES) {
      const parsed = schema.safeParse(sample);
      expect(parsed.error?.issues).toBeUndefined();
    }
  });

  it('names a sample its schema refuses', () => {
    const [first] = WARMUP_SAMPLES;
    expect(warmSchemas([{ ...first!, sample: { model: 42 } }])).toEqual([first!.name]);
  });

  it('completes a request through the upstream client to its own loopback server, twice (a new server each time)', async () => {
    const http = new UpstreamHttpClient();
    try {
      await warmUpstreamClient(http);
      await warmUpstreamClient(http);
    } finally {
      await http.onApplicationShutdown();
    }
  });
});
