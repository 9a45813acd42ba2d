import { profileTypeDisplay, profileTypeOptions, splitProfileTypeId } from './profileTypes';

const types = [
  { id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', label: 'process_cpu - cpu' },
  { id: 'memory:alloc_objects:count:space:bytes', label: 'memory - alloc_objects' },
  { id: 'memory:alloc_space:bytes:space:bytes', label: 'memory - alloc_space' },
  { id: 'memory:inuse_objects:count:space:bytes', label: 'memory - inuse_objects' },
  { id: 'memory:inuse_space:bytes:space:bytes', label: 'memory - inuse_space' },
  { id: 'process_cpu:samples:count:cpu:nanoseconds', label: 'process_cpu - samples' },
  { id: 'memory:alloc_space:bytes:space:bytes', label: 'memory - alloc_space' },
];

describe('profile type options', () => {
  it('groups by name, then sample type, in the order the types came, without duplicates', () => {
    expect(profileTypeOptions(types)).toEqual([
      {
        label: 'process_cpu',
        value: 'process_cpu',
        items: [
          { label: 'cpu', value: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', title: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds' },
          { label: 'samples', value: 'process_cpu:samples:count:cpu:nanoseconds', title: 'process_cpu:samples:count:cpu:nanoseconds' },
        ],
      },
      {
        label: 'memory',
        value: 'memory',
        items: ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'].map((s) => expect.objectContaining({ label: s })),
      },
    ]);
  });

  it('names the unit when a sample type appears twice in a group', () => {
    const opts = profileTypeOptions([
      { id: 'wall:wall:nanoseconds:wall:nanoseconds', label: '' },
      { id: 'wall:wall:microseconds:wall:microseconds', label: '' },
    ]);
    expect(opts[0].items!.map((i) => i.label)).toEqual(['wall (nanoseconds)', 'wall (microseconds)']);
  });

  it('splits Pyroscope dotted ids at the last dot', () => {
    expect(splitProfileTypeId('my.app.cpu')).toEqual({ name: 'my.app', sampleType: 'cpu' });
    expect(splitProfileTypeId('block:contentions:count:contentions:count')).toMatchObject({ name: 'block', sampleType: 'contentions', sampleUnit: 'count' });
  });

  it('shows the selected type by its levels, anything else as typed', () => {
    const opts = profileTypeOptions(types);
    expect(profileTypeDisplay('memory:inuse_space:bytes:space:bytes', opts)).toBe('memory - inuse_space');
    expect(profileTypeDisplay('$profile_type', opts)).toBe('$profile_type');
    expect(profileTypeDisplay(undefined, opts)).toBe('');
  });
});
