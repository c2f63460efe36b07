// Every event has a realistic example that its schema accepts and whose Kafka key is the topic's key field.
import { EVENT_EXAMPLES, EVENTS, parseEvent, topicByName, type EventType } from '../src';

const types = Object.keys(EVENTS) as EventType[];

describe('event examples', () => {
  it.each(types)('when the %s example is parsed, then it is accepted unchanged', (type) => {
    expect(parseEvent(type, EVENT_EXAMPLES[type])).toEqual({ ok: true, value: EVENT_EXAMPLES[type] });
  });

  it.each(types)('when a %s message is keyed, then the key is the payload field the topic names', (type) => {
    const definition = EVENTS[type];
    const keyField = topicByName(definition.topic)?.key ?? '';
    const payload = EVENT_EXAMPLES[type] as Record<string, unknown>;
    const key = (definition.key as (p: unknown) => string)(payload);
    expect(typeof payload[keyField]).toBe('string');
    expect(key).toBe(payload[keyField]);
  });

  it('when an example list is compared with EVENTS, then both name the same types', () => {
    expect(Object.keys(EVENT_EXAMPLES).sort()).toEqual([...types].sort());
  });
});
