using System.Runtime.InteropServices;
using System.Text;

namespace GrafanaProfiles.Store.Write.Parquet;

/// <summary>
/// The distinct strings of a file's string columns as UTF-8, each with an id: string columns go to
/// <see cref="ColumnChunkWriter"/> as ids into <see cref="Strings"/>.
/// </summary>
internal sealed class StringTable
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<byte[]> _strings = [];

    public IReadOnlyList<byte[]> Strings => _strings;

    /// <summary>The id of <paramref name="text"/>, added (encoded once) on first sight.</summary>
    public int Id(string text)
    {
        ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(_ids, text, out var exists);
        if (!exists)
        {
            id = _strings.Count;
            _strings.Add(Encoding.UTF8.GetBytes(text));
        }
        return id;
    }
}
