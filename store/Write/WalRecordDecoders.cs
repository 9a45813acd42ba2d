using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Write;

/// <summary>Decodes a log record's format-specific bytes back into a batch during replay.</summary>
public delegate ProfileBatch WalRecordDecoder(ReadOnlyMemory<byte> payload);

/// <summary>
/// The decoders replay uses, one per <see cref="WalRecordKind"/>, each registered once: every
/// registry starts with the store's own <see cref="WalRecordKind.Batch"/>, and <see cref="With"/>
/// returns a new registry with one kind more, refusing a kind that already has a decoder.
/// Immutable, so one instance serves every writer of the process.
/// </summary>
public sealed class WalRecordDecoders
{
    private readonly WalRecordDecoder?[] _decoders;

    private WalRecordDecoders(WalRecordDecoder?[] decoders) => _decoders = decoders;

    /// <summary>Only the store's own batch records.</summary>
    public static WalRecordDecoders Default { get; } = new(CreateDefault());

    /// <summary>The kinds that have a decoder, in number order.</summary>
    public IEnumerable<WalRecordKind> Kinds
    {
        get
        {
            for (var i = 0; i < _decoders.Length; i++)
            {
                if (_decoders[i] is not null)
                {
                    yield return (WalRecordKind)i;
                }
            }
        }
    }

    /// <summary>This registry and <paramref name="decoder"/> for <paramref name="kind"/>, which must not have one yet.</summary>
    public WalRecordDecoders With(WalRecordKind kind, WalRecordDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        if (_decoders[(byte)kind] is not null)
        {
            throw new ArgumentException($"Log record kind {Describe(kind)} already has a decoder; each kind is registered once.", nameof(kind));
        }
        var decoders = (WalRecordDecoder?[])_decoders.Clone();
        decoders[(byte)kind] = decoder;
        return new WalRecordDecoders(decoders);
    }

    /// <summary>The same kinds, each decoder replaced by what <paramref name="wrap"/> makes of it (to observe or count replay).</summary>
    public WalRecordDecoders Wrap(Func<WalRecordKind, WalRecordDecoder, WalRecordDecoder> wrap)
    {
        ArgumentNullException.ThrowIfNull(wrap);
        var decoders = new WalRecordDecoder?[_decoders.Length];
        for (var i = 0; i < decoders.Length; i++)
        {
            if (_decoders[i] is { } decoder)
            {
                decoders[i] = wrap((WalRecordKind)i, decoder);
            }
        }
        return new WalRecordDecoders(decoders);
    }

    /// <summary>The decoder of <paramref name="kind"/>, if one is registered.</summary>
    public bool TryGet(WalRecordKind kind, out WalRecordDecoder decoder)
    {
        decoder = _decoders[(byte)kind]!;
        return decoder is not null;
    }

    /// <summary>Decodes a payload of <paramref name="kind"/>; a kind with no decoder is an <see cref="InvalidDataException"/> naming it.</summary>
    public ProfileBatch Decode(WalRecordKind kind, ReadOnlyMemory<byte> payload) =>
        TryGet(kind, out var decode)
            ? decode(payload)
            : throw new InvalidDataException($"Log record kind {Describe(kind)} has no decoder here.");

    /// <summary>The kind's number, with its name when this version knows it.</summary>
    public static string Describe(WalRecordKind kind) =>
        Enum.IsDefined(kind) ? $"{(byte)kind} ({kind})" : ((byte)kind).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static WalRecordDecoder?[] CreateDefault()
    {
        var decoders = new WalRecordDecoder?[byte.MaxValue + 1];
        decoders[(byte)WalRecordKind.Batch] = payload => ProfileBatchCodec.Decode(payload.Span);
        return decoders;
    }
}
