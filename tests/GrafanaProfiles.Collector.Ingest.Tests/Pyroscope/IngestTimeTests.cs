using GrafanaProfiles.Collector.Ingest.Pyroscope;
using GrafanaProfiles.Store.Ingest;

namespace GrafanaProfiles.Collector.Ingest.Tests.Pyroscope;

public sealed class IngestTimeTests
{
    private static readonly DateTimeOffset Now = new(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);
    private const long NowNanos = 1_714_557_600L * 1_000_000_000;

    [Theory]
    [InlineData("1714557600", NowNanos)]
    [InlineData("1714557600123", NowNanos + 123_000_000)]
    [InlineData("1714557600123456", NowNanos + 123_456_000)]
    [InlineData("1714557600123456789", NowNanos + 123_456_789)]
    [InlineData(" 1_714_557_600 ", NowNanos)]
    [InlineData("1,714,557,600", NowNanos)]
    [InlineData("20240501", NowNanos - (10L * 3600 * 1_000_000_000))]
    [InlineData("now", NowNanos)]
    [InlineData("NOW", NowNanos)]
    [InlineData("now-1h", NowNanos - (3600L * 1_000_000_000))]
    [InlineData("now-30m", NowNanos - (1800L * 1_000_000_000))]
    [InlineData("now-1h30min", NowNanos - (5400L * 1_000_000_000))]
    [InlineData("-15s", NowNanos - (15L * 1_000_000_000))]
    [InlineData("now+2d", NowNanos + (2L * 86_400 * 1_000_000_000))]
    [InlineData("now-1w", NowNanos - (7L * 86_400 * 1_000_000_000))]
    [InlineData("now-1M", NowNanos - (30L * 86_400 * 1_000_000_000))]
    [InlineData("now-1y", NowNanos - (365L * 86_400 * 1_000_000_000))]
    [InlineData("2024-05-01T10:00:00Z", NowNanos)]
    [InlineData("2024-05-01T12:00:00+02:00", NowNanos)]
    [InlineData("2024-05-01T10:00:00.123456789Z", NowNanos + 123_456_789)]
    [InlineData("2024-05-01t10:00:00.5z", NowNanos + 500_000_000)]
    public void Parse_AcceptedForms(string text, long expected) => Assert.Equal(expected, IngestTime.Parse("from", text, Now));

    [Theory]
    [InlineData("20261")]
    [InlineData("12345678")]
    [InlineData("18991231")]
    [InlineData("12345678901234567890")]
    [InlineData("9999999999999999999")]
    [InlineData("yesterday")]
    [InlineData("now-")]
    [InlineData("now-1x")]
    [InlineData("now-h")]
    [InlineData("2024-05-01")]
    [InlineData("2024-13-01T10:00:00Z")]
    public void Parse_NotATime_RejectedNamingParameterAndForms(string text)
    {
        var e = Assert.Throws<ProfileRejectedException>(() => IngestTime.Parse("until", text, Now));
        Assert.Equal(RejectReason.InvalidRequest, e.Reason);
        Assert.StartsWith($"parameter 'until': '{text}' is not a time: use Unix seconds/milliseconds/microseconds/nanoseconds, YYYYMMDD", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Times that 64-bit Unix nanoseconds cannot hold wrapped around before (0001-01-01 landed in 1754, 2300 in 1715).</summary>
    [Theory]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("1677-09-21T00:12:43Z")]
    [InlineData("2262-04-11T23:47:17Z")]
    [InlineData("2300-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59.999999999Z")]
    [InlineData("99999999999")]
    [InlineData("99999999999999")]
    [InlineData("now+300y")]
    [InlineData("now-300y")]
    public void Parse_OutsideInt64Nanoseconds_RejectedNamingParameterAndRange(string text)
    {
        var e = Assert.Throws<ProfileRejectedException>(() => IngestTime.Parse("until", text, Now));
        Assert.Equal(RejectReason.InvalidRequest, e.Reason);
        Assert.Equal($"parameter 'until': '{text}' is outside the times a profile can have: 1677-09-21T00:12:43Z to 2262-04-11T23:47:16Z (Unix nanoseconds in 64 bits).", e.Message);
    }

    [Theory]
    [InlineData("1677-09-21T00:12:44Z", -9_223_372_036_000_000_000)]
    [InlineData("2262-04-11T23:47:16Z", 9_223_372_036_000_000_000)]
    [InlineData("1969-12-31T23:59:59Z", -1_000_000_000)]
    public void Parse_EdgesOfTheRange_Accepted(string text, long expected) => Assert.Equal(expected, IngestTime.Parse("from", text, Now));
}
