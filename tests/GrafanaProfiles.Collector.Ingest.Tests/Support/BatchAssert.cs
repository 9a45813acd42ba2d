using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Collector.Ingest.Tests.Support;

internal static class BatchAssert
{
    /// <summary>Same functions, stacks and profiles (rows in the same order).</summary>
    public static void Equal(ProfileBatch expected, ProfileBatch actual)
    {
        Assert.Equal(expected.IndexFunctions().OrderBy(f => f.Key), actual.IndexFunctions().OrderBy(f => f.Key));
        Assert.Equal(expected.IndexStacks().Keys.Order(), actual.IndexStacks().Keys.Order());
        foreach (var (id, frames) in expected.IndexStacks())
        {
            Assert.Equal(frames, actual.IndexStacks()[id]);
        }
        Assert.Equal(expected.Profiles.Count, actual.Profiles.Count);
        for (var i = 0; i < expected.Profiles.Count; i++)
        {
            var (e, a) = (expected.Profiles[i], actual.Profiles[i]);
            Assert.Equal((e.TimeNanos, e.DurationNanos, e.ServiceName, e.ProfileType), (a.TimeNanos, a.DurationNanos, a.ServiceName, a.ProfileType));
            Assert.Equal(e.Labels, a.Labels);
            Assert.Equal(e.Samples, a.Samples);
        }
    }

    /// <summary>Flat (self) value per leaf function name, over the profiles of one type.</summary>
    public static Dictionary<string, long> FlatByLeaf(ProfileBatch batch, string profileType)
    {
        var flat = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var profile in batch.Profiles.Where(p => p.ProfileType == profileType))
        {
            foreach (var row in profile.Samples)
            {
                var frames = batch.IndexStacks()[row.StackId];
                var leaf = frames.Length == 0 ? "" : batch.IndexFunctions()[frames[^1]].Name;
                flat[leaf] = flat.GetValueOrDefault(leaf) + row.Value;
            }
        }
        return flat;
    }

    /// <summary>Each stack as frame names joined by ';', root first, with its value.</summary>
    public static Dictionary<string, long> Folded(ProfileBatch batch, SeriesProfile profile)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in profile.Samples)
        {
            var key = string.Join(";", batch.IndexStacks()[row.StackId].Select(f => batch.IndexFunctions()[f].Name));
            result[key] = result.GetValueOrDefault(key) + row.Value;
        }
        return result;
    }
}
