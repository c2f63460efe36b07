// Topic registry invariants: versioned names, a dead-letter twin for every topic, event types in step with EVENTS.
import { ALL_TOPICS, deadLetterTopicOf, EVENTS, TOPICS, topicByName } from '../src';

const primaryTopics = Object.values(TOPICS);

describe('topic registry', () => {
  it('when a topic is declared, then its name is mcp-host.<area>...v<N>', () => {
    for (const topic of primaryTopics) {
      expect(topic.name).toMatch(/^mcp-host(\.[a-z][a-z0-9-]*)+\.v[1-9][0-9]*$/);
    }
  });

  it('when a topic is declared, then its dead-letter twin exists with the same key and partitions', () => {
    for (const topic of primaryTopics) {
      expect(topic.deadLetter).toBe(deadLetterTopicOf(topic.name));
      expect(topic.deadLetter).toBe(`${topic.name}.dlq`);
      const twin = topicByName(topic.deadLetter);
      expect(twin).toBeDefined();
      expect(twin?.partitions).toBe(topic.partitions);
      expect(twin?.key).toBe(topic.key);
      expect(twin?.retentionMs).toBeGreaterThan(topic.retentionMs);
      expect(twin?.eventTypes).toEqual([]);
      expect(twin?.watchable).toBe(false);
    }
  });

  it('when ALL_TOPICS is listed, then it holds exactly every topic and its twin, once', () => {
    const names = ALL_TOPICS.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(primaryTopics.flatMap((t) => [t.name, t.deadLetter]).sort());
  });

  it('when a topic lists event types, then they are exactly the events published on it', () => {
    for (const topic of primaryTopics) {
      const published = Object.values(EVENTS)
        .filter((e) => e.topic === topic.name)
        .map((e) => e.type);
      expect({ topic: topic.name, types: [...topic.eventTypes].sort() }).toEqual({
        topic: topic.name,
        types: published.sort(),
      });
    }
  });

  it('when an event names a topic, then that topic is registered and not a dead-letter topic', () => {
    for (const event of Object.values(EVENTS)) {
      const topic = topicByName(event.topic);
      expect(topic?.eventTypes).toContain(event.type);
    }
  });

  it('when a topic is sized, then partitions and retention are positive integers', () => {
    for (const topic of ALL_TOPICS) {
      expect(Number.isInteger(topic.partitions) && topic.partitions > 0).toBe(true);
      expect(Number.isInteger(topic.retentionMs) && topic.retentionMs > 0).toBe(true);
    }
  });

  it('when a name is unknown, then topicByName returns undefined', () => {
    expect(topicByName('mcp-host.nope.v1')).toBeUndefined();
    expect(topicByName('toString')).toBeUndefined();
  });
});
