import {
  INCIDENT_STATUSES,
  OPEN_INCIDENT_STATUSES,
  isFinalIncidentStatus,
} from './types';

describe('incident statuses', () => {
  it('splits statuses into open and final ones', () => {
    expect(
      OPEN_INCIDENT_STATUSES.every(s => INCIDENT_STATUSES.includes(s)),
    ).toBe(true);
    expect(isFinalIncidentStatus('detected')).toBe(false);
    expect(isFinalIncidentStatus('awaiting-approval')).toBe(false);
    expect(isFinalIncidentStatus('healed')).toBe(true);
    expect(isFinalIncidentStatus('dismissed')).toBe(true);
    expect(INCIDENT_STATUSES.filter(isFinalIncidentStatus)).toEqual([
      'healed',
      'failed',
      'escalated',
      'dismissed',
    ]);
  });
});
