using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Pprof;

internal sealed partial class PprofConverter
{
    /// <summary>
    /// One <see cref="SeriesProfile"/> per label group and sample type whose total is not zero,
    /// ordered by group (first seen first) then sample type; rows are in stack id order and skip zeros.
    /// </summary>
    private void BuildProfiles(long timeNanos, long durationNanos, string[] typeIds)
    {
        var groups = _groupLabels.Count;
        var totals = new long[groups * _typeCount];
        var counts = new int[groups * _typeCount];
        var keys = _rowKeys.Span;
        var values = _rowValues.Span;
        for (var r = 0; r < keys.Length; r++)
        {
            for (var t = 0; t < _typeCount; t++)
            {
                ref var total = ref totals[(keys[r].Group * _typeCount) + t];
                var value = values[(r * _typeCount) + t];
                counts[(keys[r].Group * _typeCount) + t] += value != 0 ? 1 : 0;
                var sum = unchecked(total + value);
                if (((total ^ sum) & (value ^ sum)) < 0)
                {
                    throw PprofTables.Invalid($"the total of sample type {t} overflows a 64-bit integer");
                }
                total = sum;
            }
        }
        var profiles = new SeriesProfile?[totals.Length];
        for (var g = 0; g < groups; g++)
        {
            for (var t = 0; t < _typeCount; t++)
            {
                if (totals[(g * _typeCount) + t] != 0)
                {
                    var profile = new SeriesProfile(timeNanos, durationNanos, _options.ServiceName, typeIds[t], _groupLabels[g]);
                    profile.Samples.EnsureCapacity(counts[(g * _typeCount) + t]);
                    profiles[(g * _typeCount) + t] = profile;
                    _batch.Profiles.Add(profile);
                }
            }
        }
        // Rows go out in stack id order, the order the samples file keeps within a window: sorted
        // here once for all sample types, the flush finds them sorted (PartitionBuffer.SortedOrder).
        var order = SortedByStack(keys);
        foreach (var r in order)
        {
            var key = keys[r];
            for (var t = 0; t < _typeCount; t++)
            {
                var value = values[(r * _typeCount) + t];
                if (value != 0 && profiles[(key.Group * _typeCount) + t] is { } profile)
                {
                    profile.Samples.Add(new SampleRow(key.StackId, value, key.SpanId));
                }
            }
        }
    }

    /// <summary>Row indexes in stack id order.</summary>
    private ReadOnlySpan<int> SortedByStack(ReadOnlySpan<RowKey> keys)
    {
        var ids = _sortIds.Reserve(keys.Length);
        var rows = _sortRows.Reserve(keys.Length);
        for (var r = 0; r < keys.Length; r++)
        {
            ids[r] = keys[r].StackId;
            rows[r] = r;
        }
        IdSort.Sort(ids, rows);
        return rows;
    }
}
