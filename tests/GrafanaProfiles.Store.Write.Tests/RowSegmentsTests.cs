using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Store.Write.Tests;

public sealed class RowSegmentsTests
{
    private static SampleRow[] Rows(int start, int count) =>
        [.. Enumerable.Range(start, count).Select(i => new SampleRow((ulong)i, i * 10L, (ulong)(i % 3)))];

    [Fact]
    public void AddRange_AcrossSegmentBoundaries_KeepsEveryRowInOrder()
    {
        using var rows = new RowSegments();
        // 65,536 rows per segment: chunks that end inside, exactly at and beyond a boundary.
        var expected = new List<SampleRow>();
        foreach (var (start, count) in new[] { (0, 1000), (1000, 64_536), (65_536, 70_000), (135_536, 3) })
        {
            var chunk = Rows(start, count);
            rows.AddRange(chunk);
            expected.AddRange(chunk);
        }

        Assert.Equal(expected.Count, rows.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], rows[i]);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => rows[expected.Count]);
        Assert.Throws<ArgumentOutOfRangeException>(() => rows[-1]);
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(65_530, 12)]
    [InlineData(1, 140_000)]
    [InlineData(140_001, 0)]
    public void CopyStackIds_AcrossSegmentBoundaries_GivesTheRowsStackIds(int start, int count)
    {
        using var rows = new RowSegments();
        rows.AddRange(Rows(0, 140_001));

        var ids = new ulong[count];
        rows.CopyStackIds(start, ids);

        Assert.Equal(Enumerable.Range(start, count).Select(i => (ulong)i), ids);
    }

    [Fact]
    public void CopyStackIds_PastTheLastRow_IsRefused()
    {
        using var rows = new RowSegments();
        rows.AddRange(Rows(0, 100));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => rows.CopyStackIds(95, new ulong[6]));
        Assert.Contains("Rows 95 to 101", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => rows.CopyStackIds(101, []));
    }

    [Fact]
    public void Dispose_EmptiesTheBuffer_AndAReusedSegmentHoldsOnlyNewRows()
    {
        var first = new RowSegments();
        first.AddRange(Rows(0, 100_000));
        first.Dispose();
        Assert.Equal(0, first.Count);

        using var second = new RowSegments();
        second.AddRange(Rows(500_000, 10));
        Assert.Equal(10, second.Count);
        Assert.Equal(new SampleRow(500_009, 5_000_090, 500_009 % 3), second[9]);
        Assert.Throws<ArgumentOutOfRangeException>(() => second[10]);
    }
}
