// A browser flow waits on real services and the local chain's finality: far beyond Jest's 5 s default.
jest.setTimeout(180_000);
