// kafkajs ships no types for its protocol modules; the benchmark uses them to time the client's own decoding.
declare module 'kafkajs/src/*';
