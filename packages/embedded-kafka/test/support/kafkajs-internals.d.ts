// kafkajs ships no types for its protocol modules; tests use them as an independent encoder of raw requests.
declare module 'kafkajs/src/*';
