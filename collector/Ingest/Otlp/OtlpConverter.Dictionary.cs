using System.Globalization;
using System.Text;
using Google.Protobuf.Collections;
using GrafanaProfiles.Schema.Otlp.Profiles.V1Development;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Collector.Ingest.Otlp;

internal sealed partial class OtlpConverter
{
    /// <summary>Function index → frame (function) id, once built.</summary>
    private readonly ulong?[] _functionFrames;

    /// <summary>Location index → its frames, root first (inlined functions after their caller), once built.</summary>
    private readonly ulong[]?[] _locationFrames;

    /// <summary>Stack index → stack id (after depth truncation), once built.</summary>
    private readonly ulong?[] _stackIds;

    private readonly List<ulong> _frames = new(64);

    /// <summary>
    /// Names a field that holds an index, for messages: <c>samples[5].stack_index</c>,
    /// <c>stack_table[3].location_indices[2]</c>, <c>location_table[7].lines[1].function_index</c>,
    /// <c>sample_type.type_strindex</c> (no owner index). A struct of literals and numbers, so that
    /// naming costs nothing until a message is built.
    /// </summary>
    private readonly record struct Ref(string Owner, int OwnerIndex, string Field, int Position = -1, string? Tail = null)
    {
        public override string ToString()
        {
            var text = new StringBuilder(Owner);
            if (OwnerIndex >= 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"[{OwnerIndex}]");
            }
            text.Append('.').Append(Field);
            if (Position >= 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"[{Position}]");
            }
            return Tail is null ? text.ToString() : text.Append('.').Append(Tail).ToString();
        }
    }

    /// <summary>
    /// The entry at <paramref name="index"/> of a dictionary table. Index 0 of an empty table is
    /// its zero value (the format requires entry 0 to be present; a sender that leaves it out still
    /// means "not set").
    /// </summary>
    private static T At<T>(RepeatedField<T> table, int index, string tableName, Ref where, Func<T> zero)
    {
        if ((uint)index < (uint)table.Count)
        {
            return table[index];
        }
        if (index == 0)
        {
            return zero();
        }
        throw Invalid($"{where} is {index}, out of range: dictionary.{tableName} has {table.Count} entries.");
    }

    private string String(int index, Ref where) => At(_dictionary.StringTable, index, "string_table", where, static () => "");

    /// <summary>
    /// A symbol (function name, system name, file name): at most MaxSymbolLength UTF-8 bytes. A
    /// longer one keeps its end, as Pyroscope does and as the pprof decoder does.
    /// </summary>
    private string Symbol(int index, Ref where)
    {
        var text = String(index, where);
        var limit = _limits.MaxSymbolLength;
        if (text.Length <= limit / 3 || Encoding.UTF8.GetByteCount(text) <= limit)
        {
            return text;
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        var tail = bytes.AsSpan(bytes.Length - limit);
        // Start at a character boundary: skip UTF-8 continuation bytes (10xxxxxx).
        var skip = 0;
        while (skip < tail.Length && (tail[skip] & 0xC0) == 0x80)
        {
            skip++;
        }
        return Encoding.UTF8.GetString(tail[skip..]);
    }

    private ulong FunctionFrame(int index, Ref where)
    {
        if ((uint)index < (uint)_functionFrames.Length && _functionFrames[index] is { } built)
        {
            return built;
        }
        var f = At(_dictionary.FunctionTable, index, "function_table", where, static () => new Function());
        var info = new FunctionInfo(
            Symbol(f.NameStrindex, new Ref("function_table", index, "name_strindex")),
            Symbol(f.SystemNameStrindex, new Ref("function_table", index, "system_name_strindex")),
            Symbol(f.FilenameStrindex, new Ref("function_table", index, "filename_strindex")),
            f.StartLine);
        var id = _batch.AddFunction(info);
        if ((uint)index < (uint)_functionFrames.Length)
        {
            _functionFrames[index] = id;
        }
        return id;
    }

    /// <summary>
    /// A frame for an address without symbols, named like pprof (and the pprof decoder) names it:
    /// the address in hex and, when known, the mapping's file name (<c>0x4a5f20 [libfoo.so]</c>).
    /// </summary>
    private ulong AddressFrame(Location location, int locationIndex)
    {
        var address = "0x" + location.Address.ToString("x", CultureInfo.InvariantCulture);
        var file = "";
        if (location.MappingIndex != 0)
        {
            var mapping = At(_dictionary.MappingTable, location.MappingIndex, "mapping_table",
                new Ref("location_table", locationIndex, "mapping_index"), static () => new Mapping());
            file = Symbol(mapping.FilenameStrindex, new Ref("mapping_table", location.MappingIndex, "filename_strindex"));
        }
        var name = file.Length == 0 ? address : $"{address} [{Path.GetFileName(file)}]";
        return _batch.AddFunction(new FunctionInfo(name, "", file, 0));
    }

    /// <summary>
    /// The frames of a location, root first: its lines list the inlined callee first and the
    /// caller last, so they are walked backwards; each line is a frame of its own. A location
    /// without lines, or a line without a function, is an address frame.
    /// </summary>
    private ulong[] LocationFrames(int index, Ref where)
    {
        if ((uint)index < (uint)_locationFrames.Length && _locationFrames[index] is { } built)
        {
            return built;
        }
        var location = At(_dictionary.LocationTable, index, "location_table", where, static () => new Location());
        var lines = location.Lines;
        ulong[] frames;
        if (lines.Count == 0)
        {
            frames = [AddressFrame(location, index)];
        }
        else
        {
            frames = new ulong[lines.Count];
            for (var j = lines.Count - 1; j >= 0; j--)
            {
                var function = lines[j].FunctionIndex;
                frames[lines.Count - 1 - j] = function == 0
                    ? AddressFrame(location, index)
                    : FunctionFrame(function, new Ref("location_table", index, "lines", j, "function_index"));
            }
        }
        if ((uint)index < (uint)_locationFrames.Length)
        {
            _locationFrames[index] = frames;
        }
        return frames;
    }

    /// <summary>
    /// The id of a stack, its frames root first, added to the batch once. Location indices list the
    /// leaf first, so they are walked backwards. A stack deeper than MaxStackDepth frames keeps the
    /// frames nearest the root, as Pyroscope does (its validation drops the deepest locations); the
    /// locations past the limit are still checked.
    /// </summary>
    private ulong StackId(int index, Ref where)
    {
        if ((uint)index < (uint)_stackIds.Length && _stackIds[index] is { } built)
        {
            return built;
        }
        var stack = At(_dictionary.StackTable, index, "stack_table", where, static () => new Stack());
        var locations = stack.LocationIndices;
        var limit = _limits.MaxStackDepth;
        _frames.Clear();
        for (var i = locations.Count - 1; i >= 0; i--)
        {
            var frames = LocationFrames(locations[i], new Ref("stack_table", index, "location_indices", i));
            var room = limit - _frames.Count;
            if (frames.Length <= room)
            {
                _frames.AddRange(frames);
            }
            else
            {
                _frames.AddRange(frames.AsSpan(0, Math.Max(room, 0)));
                _mayHaveOrphans = true;
            }
        }
        var id = _batch.AddStack([.. _frames]);
        if ((uint)index < (uint)_stackIds.Length)
        {
            _stackIds[index] = id;
        }
        return id;
    }
}
