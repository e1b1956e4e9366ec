// Integration specs start real processes against Postgres, Redis and NATS: hooks need more than 5 s.
jest.setTimeout(90_000);
