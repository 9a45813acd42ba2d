import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';

import type { ProfilesDataSource } from '../datasource';
import { ProfileTypeInfo } from '../types';
import { ProfileTypeCascader } from './ProfileTypeCascader';

const types: ProfileTypeInfo[] = [
  { id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', label: 'process_cpu - cpu' },
  { id: 'memory:alloc_objects:count:space:bytes', label: 'memory - alloc_objects' },
  { id: 'memory:alloc_space:bytes:space:bytes', label: 'memory - alloc_space' },
  { id: 'memory:inuse_objects:count:space:bytes', label: 'memory - inuse_objects' },
  { id: 'memory:inuse_space:bytes:space:bytes', label: 'memory - inuse_space' },
];

function fakeDatasource(getProfileTypes: ProfilesDataSource['getProfileTypes']) {
  return { uid: 'profiles', getProfileTypes, getLabelNames: jest.fn(), getLabelValues: jest.fn() } as unknown as ProfilesDataSource;
}

const input = () => screen.getByTestId('profile-type').querySelector('input')!;

describe('ProfileTypeCascader', () => {
  it('shows the selected type by name and sample type once the types are loaded', async () => {
    const getProfileTypes = jest.fn().mockResolvedValue(types);
    render(
      <ProfileTypeCascader
        datasource={fakeDatasource(getProfileTypes)}
        value="memory:inuse_space:bytes:space:bytes"
        range={{ from: 1000, to: 2000 }}
        onChange={jest.fn()}
      />
    );
    await waitFor(() => expect(input()).toHaveValue('memory - inuse_space'));
    expect(getProfileTypes).toHaveBeenCalledWith({ from: 1000, to: 2000 });
  });

  it('lists names, then their sample types, and reports the chosen id', async () => {
    const onChange = jest.fn();
    render(<ProfileTypeCascader datasource={fakeDatasource(jest.fn().mockResolvedValue(types))} onChange={onChange} />);
    await waitFor(() => expect(input()).toHaveAttribute('placeholder', 'Choose a profile type'));
    await act(async () => {
      fireEvent.click(input());
    });
    expect(await screen.findByText('process_cpu')).toBeInTheDocument();
    await act(async () => {
      fireEvent.click(screen.getByText('memory'));
    });
    for (const sampleType of ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']) {
      expect(screen.getByText(sampleType)).toBeInTheDocument();
    }
    await act(async () => {
      fireEvent.click(screen.getByText('alloc_space'));
    });
    expect(onChange).toHaveBeenCalledWith('memory:alloc_space:bytes:space:bytes');
  });

  it('shows a $variable as typed', async () => {
    render(<ProfileTypeCascader datasource={fakeDatasource(jest.fn().mockResolvedValue(types))} value="$profile_type" onChange={jest.fn()} />);
    await waitFor(() => expect(input()).toHaveValue('$profile_type'));
  });

  it('says it is loading, then that there are no profiles in the range', async () => {
    let resolve: (t: ProfileTypeInfo[]) => void = () => {};
    const pending = new Promise<ProfileTypeInfo[]>((r) => (resolve = r));
    render(<ProfileTypeCascader datasource={fakeDatasource(() => pending)} onChange={jest.fn()} />);
    expect(input()).toHaveAttribute('placeholder', 'Loading profile types…');
    await act(async () => resolve([]));
    expect(input()).toHaveAttribute('placeholder', 'No profiles in this time range');
  });

  it('shows the backend error when the resource fails, and keeps the typed value', async () => {
    const failing = jest.fn().mockRejectedValue({ status: 400, data: { message: "'from' must be before 'to'" } });
    render(<ProfileTypeCascader datasource={fakeDatasource(failing)} value="process_cpu:cpu:nanoseconds:cpu:nanoseconds" onChange={jest.fn()} />);
    expect(await screen.findByRole('alert')).toHaveTextContent("Profile types could not be loaded: 'from' must be before 'to'");
    expect(input()).toHaveValue('process_cpu:cpu:nanoseconds:cpu:nanoseconds');
  });
});
