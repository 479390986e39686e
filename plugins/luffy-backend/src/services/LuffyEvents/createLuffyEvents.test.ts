import { mockServices } from '@backstage/backend-test-utils';
import type { LuffyEvent } from '@openluffy/plugin-luffy-common';
import { createLuffyEvents, matchesFilter } from './createLuffyEvents';

describe('createLuffyEvents', () => {
  it('delivers to matching subscribers only, until they unsubscribe', async () => {
    const events = createLuffyEvents({ logger: mockServices.logger.mock() });
    const all: LuffyEvent[] = [];
    const checkoutIncidents: LuffyEvent[] = [];
    events.subscribe({}, e => all.push(e));
    const sub = events.subscribe(
      { entityRef: 'Component:default/checkout', types: ['incident'] },
      e => checkoutIncidents.push(e),
    );

    const first = await events.publish({
      type: 'incident.created',
      entityRef: 'component:default/Checkout',
      payload: { id: 'i-1' },
    });
    await events.publish({
      type: 'pullRequest.merged',
      entityRef: 'component:default/checkout',
      payload: {},
    });
    await events.publish({
      type: 'incident.updated',
      entityRef: 'component:default/inventory',
      payload: {},
    });
    sub.unsubscribe();
    sub.unsubscribe();
    await events.publish({
      type: 'incident.updated',
      entityRef: 'component:default/checkout',
      payload: {},
    });

    expect(first).toMatchObject({
      id: '1',
      entityRef: 'component:default/checkout',
      payload: { id: 'i-1' },
    });
    expect(checkoutIncidents).toEqual([first]);
    expect(all.map(e => e.type)).toEqual([
      'incident.created',
      'pullRequest.merged',
      'incident.updated',
      'incident.updated',
    ]);
    expect(all.map(e => e.id)).toEqual(['1', '2', '3', '4']);
  });

  it('keeps delivering when a listener throws, and logs it', async () => {
    const logger = mockServices.logger.mock();
    const events = createLuffyEvents({ logger });
    const seen: string[] = [];
    events.subscribe({}, () => {
      throw new Error('boom');
    });
    events.subscribe({}, e => seen.push(e.type));
    await events.publish({
      type: 'operation.finished',
      entityRef: 'component:default/checkout',
      payload: {},
    });
    expect(seen).toEqual(['operation.finished']);
    expect(logger.warn).toHaveBeenCalled();
  });

  it.each([
    [{ types: ['incident'] }, 'incident.updated', true],
    [{ types: ['incident.*'] }, 'incident.updated', true],
    [{ types: ['incident.created'] }, 'incident.updated', false],
    [
      { types: ['pullRequest', 'operation.finished'] },
      'operation.finished',
      true,
    ],
    [{ types: ['incidents'] }, 'incident.updated', false],
    [{ entityRef: 'component:default/a' }, 'incident.updated', false],
  ] as const)('filter %j on %s → %s', (filter, type, expected) => {
    expect(
      matchesFilter(
        { ...filter, types: 'types' in filter ? [...filter.types] : undefined },
        { type, entityRef: 'component:default/checkout' },
      ),
    ).toBe(expected);
  });
});
