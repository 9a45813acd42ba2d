using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using GrafanaProfiles.Store.Ingest;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Pprof;

internal sealed partial class PprofConverter
{
    /// <summary>Decoded strings by string-table index, filled on first use.</summary>
    private PooledList<string?> _strings;

    /// <summary>Function index → frame (function) id, once built.</summary>
    private PooledList<ulong> _functionFrames;
    private PooledList<bool> _functionBuilt;

    /// <summary>Location index → where its frames are in <see cref="_locationFrames"/>, root first; start -1 until built.</summary>
    private PooledList<FrameSpan> _locationSpans;
    private PooledList<ulong> _locationFrames;

    private readonly record struct FrameSpan(int Start, int Count);

    private static ReadOnlySpan<byte> Bytes(ReadOnlySpan<byte> profile, ByteRange range) => profile.Slice(range.Offset, range.Length);

    /// <summary>The string at <paramref name="index"/> (checked by <see cref="PprofTables"/>), decoded once.</summary>
    private string String(ReadOnlySpan<byte> profile, long index)
    {
        ref var cached = ref _strings[(int)index];
        if (cached is null)
        {
            var bytes = Bytes(profile, _tables.Strings[(int)index]);
            cached = Decode(bytes, index);
        }
        return cached;
    }

    /// <summary>Decodes and validates in one pass; invalid UTF-8 is rejected, never replaced.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static string Decode(ReadOnlySpan<byte> utf8, long index)
    {
        try
        {
            return StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException e)
        {
            throw new ProfileRejectedException(RejectReason.InvalidProfile, $"The profile is not a valid pprof profile: string {index} is not valid UTF-8.", e);
        }
    }

    /// <summary>
    /// A symbol (function name, system name, file name): at most MaxSymbolLength UTF-8 bytes. A
    /// longer one keeps its end, as Pyroscope does: the end of a path or qualified name says most.
    /// </summary>
    private string Symbol(ReadOnlySpan<byte> profile, long index)
    {
        var bytes = Bytes(profile, _tables.Strings[(int)index]);
        if (bytes.Length <= _limits.MaxSymbolLength)
        {
            return String(profile, index);
        }
        var tail = bytes[^_limits.MaxSymbolLength..];
        // Start at a character boundary: skip UTF-8 continuation bytes (10xxxxxx).
        var skip = 0;
        while (skip < tail.Length && (tail[skip] & 0xC0) == 0x80)
        {
            skip++;
        }
        return Decode(tail[skip..], index);
    }

    private ulong FunctionFrame(ReadOnlySpan<byte> profile, int functionIndex)
    {
        if (_functionBuilt[functionIndex])
        {
            return _functionFrames[functionIndex];
        }
        var f = _tables.Functions[functionIndex];
        var name = Bytes(profile, _tables.Strings[(int)f.Name]);
        var systemName = Bytes(profile, _tables.Strings[(int)f.SystemName]);
        var filename = Bytes(profile, _tables.Strings[(int)f.Filename]);
        FunctionInfo? info = null;
        ulong id = 0;
        if (name.Length <= _limits.MaxSymbolLength && systemName.Length <= _limits.MaxSymbolLength && filename.Length <= _limits.MaxSymbolLength)
        {
            // A service sends the same functions in every profile: a function seen before is found
            // by the id of its bytes, without decoding three strings and hashing them again.
            // Measured on the first 6,000 profiles of the scale-1 benchmark dataset (~400
            // functions per profile), CPU time per profile: decode 342 µs without, 166 µs with
            // (gunzip + Google.Protobuf parse of the same bytes: 164 µs).
            // Found under the id of its bytes, the function has that id (the interner's key is
            // its content hash); adding it to the batch by that key does not touch the entry.
            id = ContentHash.FunctionOfUtf8(name, systemName, filename, f.StartLine);
            FunctionInterner.TryGet(id, out info);
        }
        if (info is null)
        {
            info = new FunctionInfo(Symbol(profile, f.Name), Symbol(profile, f.SystemName), Symbol(profile, f.Filename), f.StartLine);
            FunctionInterner.Add(info);
            id = info.Id;
        }
        _batch.AddFunctionUnindexed(info, _tables.Functions.Length);
        _functionFrames[functionIndex] = id;
        _functionBuilt[functionIndex] = true;
        return id;
    }

    /// <summary>
    /// A frame for an address without symbols, named like pprof names it: the address in hex and,
    /// when known, the mapping's file name (<c>0x4a5f20 [libfoo.so]</c>).
    /// </summary>
    private ulong AddressFrame(ReadOnlySpan<byte> profile, in LocationRecord location)
    {
        var address = "0x" + location.Address.ToString("x", CultureInfo.InvariantCulture);
        var file = "";
        if (location.MappingId != 0 && _tables.MappingIndex.TryGet(location.MappingId, out var m))
        {
            file = Symbol(profile, _tables.Mappings[m].Filename);
        }
        var name = file.Length == 0 ? address : $"{address} [{Path.GetFileName(file)}]";
        return _batch.AddFunction(new FunctionInfo(name, "", file, 0));
    }

    /// <summary>The table index of a location, which a sample references by id.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int IndexOfLocation(in IdIndex locations, ulong id, int sampleIndex)
    {
        if (!locations.TryGet(id, out var index))
        {
            throw PprofTables.Invalid($"sample {sampleIndex} references location {id}, which the profile does not define");
        }
        return index;
    }

    /// <summary>Builds the frames of a location, root first, once; returns where they are in <see cref="_locationFrames"/>.</summary>
    private FrameSpan BuildLocationFrames(ReadOnlySpan<byte> profile, int index)
    {
        var start = _locationFrames.Count;
        var location = _tables.Locations[index];
        if (location.LineCount == 0)
        {
            _locationFrames.Add(AddressFrame(profile, location));
        }
        // pprof lists a location's lines inlined callee first; the store wants the caller first.
        for (var j = location.FirstLine + location.LineCount - 1; j >= location.FirstLine; j--)
        {
            var functionId = _tables.Lines[j].FunctionId;
            _locationFrames.Add(functionId != 0 && _tables.FunctionIndex.TryGet(functionId, out var f)
                ? FunctionFrame(profile, f)
                : AddressFrame(profile, location));
        }
        var span = new FrameSpan(start, _locationFrames.Count - start);
        _locationSpans[index] = span;
        return span;
    }
}
