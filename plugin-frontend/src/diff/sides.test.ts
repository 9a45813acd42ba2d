import { ProfilesQuery } from '../types';
import { describeSideTime, diffSummary, sameSidesWarning, setDiffProfileType, sideTimeMode, updateSide, withTimeMode } from './sides';

const base: ProfilesQuery = { refId: 'A', queryType: 'diff', labelSelector: '{service_name="api"}' };

describe('diff sides', () => {
  it('tells the time mode of a side from what it sets', () => {
    expect(sideTimeMode(undefined)).toBe('dashboard');
    expect(sideTimeMode({ labelSelector: '{}' })).toBe('dashboard');
    expect(sideTimeMode({ timeShift: '1w' })).toBe('shift');
    expect(sideTimeMode({ from: 'now-7d' })).toBe('range');
    expect(sideTimeMode({ from: 'now-7d', to: 'now-6d', timeShift: '1d' })).toBe('range');
  });

  it('drops what the previous time mode set', () => {
    expect(withTimeMode({ labelSelector: '{}', timeShift: '1d' }, 'dashboard')).toEqual({ labelSelector: '{}' });
    expect(withTimeMode({ from: 1, to: 2 }, 'shift')).toEqual({ timeShift: '1w' });
    expect(withTimeMode({ timeShift: '1d' }, 'range')).toEqual({ from: 'now-7d', to: 'now-6d' });
  });

  it('writes both sides out with their selectors when one changes', () => {
    const next = updateSide(base, 'right', (s) => ({ ...s, labelSelector: '{service_name="api", version="v2"}' }));
    expect(next.left).toEqual({ labelSelector: '{service_name="api"}' });
    expect(next.right).toEqual({ labelSelector: '{service_name="api", version="v2"}' });
    const shifted = updateSide(next, 'left', (s) => withTimeMode(s, 'shift'));
    expect(shifted.left).toEqual({ labelSelector: '{service_name="api"}', timeShift: '1w' });
    expect(shifted.right).toEqual(next.right);
  });

  it('keeps one profile type for both sides', () => {
    const q = { ...base, left: { profileTypeId: 'a:b:c:d:e', labelSelector: '{}' }, right: { profileTypeId: 'x:y:z:d:e' } };
    expect(setDiffProfileType(q, 'process_cpu:cpu:nanoseconds:cpu:nanoseconds')).toEqual({
      ...base,
      profileTypeId: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
      left: { labelSelector: '{}' },
      right: {},
    });
  });

  it('says in one line what is compared', () => {
    const q: ProfilesQuery = { ...base, left: {}, right: { labelSelector: '{service_name="api", version="v2"}', timeShift: '1w' } };
    expect(diffSummary(q)).toBe(
      'Baseline: {service_name="api"} over the dashboard range · Comparison: {service_name="api", version="v2"} 1 week earlier'
    );
    expect(describeSideTime({ from: 'now-7d', to: 'now-6d' })).toBe('from now-7d to now-6d');
    expect(describeSideTime({ from: 'now-7d', timeShift: '1d' })).toBe("from now-7d to the dashboard's end, 1 day earlier");
  });

  it('warns when both sides select the same profiles over the same time', () => {
    expect(sameSidesWarning(base)).toMatch(/Both sides select the same profiles/);
    expect(sameSidesWarning({ ...base, right: { timeShift: '1d' } })).toBeUndefined();
    expect(sameSidesWarning({ ...base, left: { labelSelector: '{service_name="api",version="v1"}' } })).toBeUndefined();
  });
});
